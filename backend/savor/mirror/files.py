"""The mirror's folder: every file replaced atomically, the pull state, and the lock.

A file is written beside its target under a temporary name, synced, then renamed over it, so
a reader (or a pull killed at any instant) sees the old file or the new one, never half of
one. The state is written after the data files it describes, so an interrupted pull leaves
a state that is at worst behind them, and the next pull fetches those rows again.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

STATE = ".savor-pull.json"
LOCK = ".savor-pull.lock"
STATE_VERSION = 1


class MirrorError(Exception):
    """A pull that cannot go on, with a message saying what to do."""


def temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def clear_leftovers(directory: Path) -> None:
    """Temporary files of a pull that was killed (only ever run under the lock)."""
    for leftover in directory.glob(".*.tmp-*"):
        leftover.unlink(missing_ok=True)


@contextmanager
def replacing(path: Path) -> Iterator[IO[str]]:
    """A text file to write; it takes `path`'s place only when the block ends without error."""
    scratch = temporary(path)
    try:
        with scratch.open("w", encoding="utf-8", newline="") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(scratch, path)
        _sync_folder(path.parent)
    finally:
        scratch.unlink(missing_ok=True)


def _sync_folder(directory: Path) -> None:
    # The rename itself must reach the disk before the state says the file is there.
    if fcntl is None:
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_json(path: Path, document: dict[str, Any]) -> None:
    with replacing(path) as file:
        json.dump(document, file, indent=2, ensure_ascii=False)
        file.write("\n")


def read_state(directory: Path, *, url: str, study: str) -> dict[str, Any]:
    """The state of the last pulls, or a fresh one; refuses a folder mirroring elsewhere."""
    path = directory / STATE
    if not path.exists():
        return {"version": STATE_VERSION, "url": url, "study": study, "datasets": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MirrorError(f"{path} cannot be read ({exc}). Pull into a new folder.") from exc
    if (state.get("url"), state.get("study")) != (url, study):
        raise MirrorError(
            f"{directory} mirrors study '{state.get('study')}' of {state.get('url')}. "
            "Pull this study into a folder of its own."
        )
    return state


def write_state(directory: Path, state: dict[str, Any]) -> None:
    write_json(directory / STATE, state)


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """One pull at a time on a folder. The operating system drops the lock when the process
    ends, however it ends, so a killed pull never leaves the folder locked."""
    descriptor = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(descriptor):
            os.lseek(descriptor, 0, os.SEEK_SET)
            holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
            raise MirrorError(
                f"Another pull is already running on {directory} (process {holder}). "
                "Wait for it to finish, then pull again."
            )
        os.ftruncate(descriptor, 0)
        os.lseek(descriptor, 0, os.SEEK_SET)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(descriptor)


def _try_lock(descriptor: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True
