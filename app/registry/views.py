"""Registration pages for county officers (and officers above, in their scope)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
