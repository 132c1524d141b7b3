"""HTTP caching: what a browser may keep, and the app's manifest of file hashes.

- `/api/` answers are `no-store`: nothing about her is kept in a browser cache on a phone that
  others may pick up. A route that sets its own policy keeps it (a study's recordings are the
  same for every participant and are meant to be kept for offline use).
- The app's files requested as `<path>?v=<hash>` with the file's current hash never change
  under that address: a year, `immutable`. The service worker downloads new versions this
  way, so an unchanged file is never downloaded twice.
- `sw.js`, pages and `/version.json` are `no-cache`, so a new version is seen at once; other
  files (code asked for by its plain name on a first visit) are revalidated too, so a browser
  without the service worker never mixes two versions; icons may be kept for a week.

`/version.json` lists every file the app ships (all of `pwa/` but `sw.js` and the module sources
that `/app.js` bundles, see app_files.py) with its hash; the version is the hash of that list.
Changing any shipped file makes a new version.
"""

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import parse_qs

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from savor.app_files import is_source

MANIFEST_PATH = "/version.json"
NO_STORE = b"no-store"
NO_CACHE = b"no-cache"
IMMUTABLE = b"public, max-age=31536000, immutable"
ICONS = b"public, max-age=604800"
HASH_CHARS = 16


class FileHashes:
    """Hashes of the app's files, read again only when a file's size or time changes."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._known: dict[str, tuple[int, int, str]] = {}

    def of(self, url_path: str) -> str | None:
        """The hash of the file served at `url_path`, or None when there is no such file."""
        path = (self.root / url_path.lstrip("/")).resolve()
        if not path.is_relative_to(self.root):
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        if not path.is_file():
            return None
        known = self._known.get(url_path)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_CHARS]
        self._known[url_path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def manifest(self) -> dict:
        files = {}
        for folder, _, names in os.walk(self.root):
            for name in names:
                url_path = "/" + (Path(folder) / name).relative_to(self.root).as_posix()
                if url_path == "/sw.js" or is_source(url_path):
                    continue
                if digest := self.of(url_path):
                    files[url_path] = digest
        files = dict(sorted(files.items()))
        listing = "\n".join(f"{path} {digest}" for path, digest in files.items())
        version = hashlib.sha256(listing.encode()).hexdigest()[:HASH_CHARS]
        return {"version": version, "files": files}


def _policy(scope: Scope, hashes: FileHashes | None) -> bytes:
    path: str = scope["path"]
    if path.startswith("/api/"):
        return NO_STORE
    if path in ("/", "/sw.js") or path.endswith(".html"):
        return NO_CACHE
    wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
    if wanted and hashes is not None:
        # Immutable only when the address names the content it gets; else keep nothing.
        return IMMUTABLE if hashes.of(path) == wanted[0] else NO_STORE
    if path.startswith("/icons/"):
        return ICONS
    return NO_CACHE


class CachingMiddleware:
    """Pure ASGI, like SecurityMiddleware, so streamed exports pass through unbuffered."""

    def __init__(self, app: ASGIApp, *, pwa_dir: Path | None = None) -> None:
        self.app = app
        self.hashes = FileHashes(pwa_dir) if pwa_dir is not None and pwa_dir.is_dir() else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            scope["path"] == MANIFEST_PATH
            and scope["method"] in ("GET", "HEAD")
            and self.hashes is not None
        ):
            await self._manifest(scope, send)
            return
        policy = _policy(scope, self.hashes)

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                has_own = any(name.lower() == b"cache-control" for name, _ in headers)
                ok = message["status"] in (200, 206, 304)
                if not has_own:
                    message["headers"] = [*headers, (b"cache-control", policy if ok else NO_STORE)]
            await send(message)

        await self.app(scope, receive, send_with_policy)

    async def _manifest(self, scope: Scope, send: Send) -> None:
        assert self.hashes is not None
        manifest = await anyio.to_thread.run_sync(self.hashes.manifest)
        body = json.dumps(manifest, separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", NO_CACHE),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
