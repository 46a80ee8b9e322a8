"""JSON API of the public domain."""

from fastapi import APIRouter

router = APIRouter(tags=["public"])
