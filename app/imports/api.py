"""JSON API of the imports domain."""

from fastapi import APIRouter

router = APIRouter(tags=["imports"])
