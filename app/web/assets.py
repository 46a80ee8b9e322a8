"""The site's static files, under names that carry a hash of their content (app.3f2a1b9c.css):
a browser keeps them for a year and never asks again, and a changed file gets a new name, so a
page always loads the files it was made with. A name with another hash (a page from before a
deploy) gets the current file, to be revalidated; a plain name is revalidated every time (ETag)."""

import hashlib
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import rcssmin  # type: ignore[import-untyped]
import rjsmin  # type: ignore[import-untyped]
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

ROOT = Path(__file__).resolve().parent.parent.parent / "static"
HASHED = re.compile(r"(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)")
FOR_A_YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


MINIFY: dict[str, Callable[[str], str]] = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}


def _minifier(path: str) -> Callable[[str], str] | None:
    """Ours only: vendored files (htmx, static/vendor/) come as their makers built them."""
    return None if "/" in path or path.endswith(".min.js") else MINIFY.get(Path(path).suffix)


@cache
def served(path: str) -> bytes:
    """The bytes a browser gets for the file: minified if it is one of our scripts or styles."""
    raw = (ROOT / path).read_bytes()
    minify = _minifier(path)
    return minify(raw.decode()).encode() if minify else raw


@cache
def content_hash(path: str) -> str:
    """The first 10 hex digits of the served file's SHA-256 (read once per process)."""
    return hashlib.sha256(served(path)).hexdigest()[:10]


def asset_url(path: str) -> str:
    """/static/app.css -> /static/app.<hash>.css, for the templates."""
    stem, dot, suffix = path.rpartition(".")
    return f"/static/{stem}.{content_hash(path)}.{suffix}" if dot else f"/static/{path}"


class Assets(StaticFiles):
    def __init__(self) -> None:
        super().__init__(directory=ROOT)

    async def get_response(self, path: str, scope: Scope) -> Response:
        named = HASHED.fullmatch(path)
        real = f"{named['stem']}{named['suffix']}" if named else path
        response = await super().get_response(real, scope)
        if response.status_code == 200 and _minifier(real):
            response = Response(served(real), media_type=response.media_type,
                                headers={"ETag": response.headers["etag"]})
        if response.status_code in (200, 304):
            current = named is not None and (ROOT / real).is_file() and named["hash"] == content_hash(real)
            response.headers["Cache-Control"] = FOR_A_YEAR if current else REVALIDATE
            if current:  # never asked again: what a revalidation or a range request would use is weight
                for name in ("Last-Modified", "Accept-Ranges", "ETag"):
                    del response.headers[name]
        return response
