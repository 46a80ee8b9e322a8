"""Registration pages for county officers (and officers above, in their scope)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

# -- registration pages (part A) above this line ------------------------------------------------

# -- download pages of the register's exports (part D) below this line --------------------------
