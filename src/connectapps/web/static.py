"""The web pages' static files (CSS, and the console's small script), read once at import and served
from memory."""

import hashlib
from importlib.resources import files

import falcon

CONTENT_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
CACHE_CONTROL = "public, max-age=86400"


def _load() -> dict[str, bytes]:
    folder = files("connectapps.web").joinpath("static")
    return {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and any(entry.name.endswith(ext) for ext in CONTENT_TYPES)
    }


FILES = _load()
_VERSIONS = {name: hashlib.sha256(data).hexdigest()[:12] for name, data in FILES.items()}


def url(name: str) -> str:
    """The URL of a static file, with a content hash so a changed file is never served stale."""
    return f"/static/{name}?v={_VERSIONS[name]}"


def serve(resp: falcon.Response, name: str) -> bool:
    """Answer with the file ``name``; False if there is none."""
    data = FILES.get(name)
    if data is None:
        return False
    resp.content_type = CONTENT_TYPES[name[name.rindex("."):]]
    resp.data = data
    resp.set_header("Cache-Control", CACHE_CONTROL)
    resp.set_header("X-Content-Type-Options", "nosniff")
    return True
