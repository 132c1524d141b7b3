"""Files at rest hold the study secrets that key every pseudonym: owner-only, and said so.

The `savor` command sets a umask of 077, so what it creates (the database with its -wal and
-shm, keys, backups) is 0600 in 0700 directories. A directory or file an operator made
looser is never changed behind their back: it is reported with the chmod that fixes it.
"""

import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

PRIVATE_UMASK = 0o077
SHARED_BITS = stat.S_IRWXG | stat.S_IRWXO


def private_umask() -> int:
    """Make every file this process creates from now on owner-only; returns the old mask."""
    return os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> None:
    """Create `path` and its missing parents as 0700; an existing directory is left alone."""
    missing = [p for p in [path, *path.parents] if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        created.chmod(0o700)  # mkdir's own mode passes through the process's umask


def create_once(path: Path, make: Callable[[], str]) -> str:
    """The text of the owner-only file at `path`, written from `make()` if it does not exist.

    Two processes starting on a fresh data directory (the server and a CLI command, or two
    test workers) may both get here. The file appears whole or not at all: it is written
    under a name of its own and then linked into place, which fails if the other process got
    there first; its file is then read and this one's value is dropped. A key written twice,
    or read while half written, would key pseudonyms or pushes with the wrong secret.
    """
    if not path.exists():
        make_private_dir(path.parent)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as file:
                file.write(make())
                file.flush()
                os.fsync(file.fileno())
            os.link(draft, path)
        except FileExistsError:
            pass  # the other process's file stands
        finally:
            draft.unlink(missing_ok=True)
    return path.read_text()


def _loose(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if not mode & SHARED_BITS:
        return None
    fix = "chmod 700" if stat.S_ISDIR(mode) else "chmod 600"
    return (
        f"{path} can be read by other users (mode {stat.S_IMODE(mode):04o}) and holds study "
        f"secrets; fix it with: {fix} {path}"
    )


def loose_permissions(data_dir: Path, database: Path | None) -> list[str]:
    """A warning for the data directory, the database and each file kept beside them that
    other users may read."""
    paths = [data_dir]
    if data_dir.is_dir():
        paths += sorted(p for p in data_dir.iterdir() if p.is_file())
        backups = data_dir / "backups"
        if backups.is_dir():
            paths += [backups, *sorted(p for p in backups.iterdir() if p.is_file())]
    if database is not None:
        paths += [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]
    unique = list(dict.fromkeys(p.resolve() for p in paths))
    return [warning for p in unique if (warning := _loose(p)) is not None]
