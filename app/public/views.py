"""Pages of the public domain."""

from fastapi import APIRouter, Depends

from app.web.pages import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
