"""Exports of the register: the pairing list (004 附件5) and the liaison roster."""

from fastapi import APIRouter

router = APIRouter(tags=["registry"])
