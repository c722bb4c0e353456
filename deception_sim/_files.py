"""Files the package writes: whole or not at all, checked before any work, never clobbered.

* :func:`check_output_file` and :func:`check_output_folder` say, before a
  command starts its work, whether a path can be written (a
  :class:`ValueError` naming the option otherwise), so that an hour-long
  sweep does not end in "no such folder".
* :func:`atomic_write` and :func:`atomic_path` write to a temporary file with
  a unique name in the target's folder, flush it to disk and rename it over
  the target: readers see the old file or the new one, never half of one;
  two writers never share a temporary file; on failure the temporary file is
  removed and nothing new is left behind.
* :class:`FileLock` is an exclusive lock file (``O_CREAT | O_EXCL``) holding
  its owner's host and process id; a lock whose process is gone is stale and
  is taken over.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write(folder / "table.csv", "a,b\\n1,2\\n")
>>> (folder / "table.csv").read_text(), sorted(p.name for p in folder.iterdir())
('a,b\\n1,2\\n', ['table.csv'])
>>> check_output_file("--output", "")
Traceback (most recent call last):
...
ValueError: --output must be a file name, got ''
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path


def check_output_file(name: str, path: object) -> Path:
    """``path`` as a :class:`~pathlib.Path` if a file can be written there, else ``ValueError``.

    The file may exist (it is replaced whole); its folder must exist and be
    writable, and the path must not be a folder.
    """
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ValueError(f"{name} must be a file name, got {path!r}")
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{name} {str(target)!r} is a folder; give a file name")
    if target.name in ("", ".", ".."):
        raise ValueError(f"{name} must be a file name, got {str(target)!r}")
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(f"{name} {str(target)!r}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {str(target)!r}: cannot write in the folder {str(folder)!r}")
    if target.exists() and not target.is_file():
        raise ValueError(f"{name} {str(target)!r} exists and is not a regular file")
    return target


def check_output_folder(name: str, path: object) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is, or can be made, a writable folder."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ValueError(f"{name} must be a folder name, got {path!r}")
    target = Path(path)
    if target.exists():
        if not target.is_dir():
            raise ValueError(f"{name} {str(target)!r} exists and is not a folder")
        if not os.access(target, os.W_OK | os.X_OK):
            raise ValueError(f"{name} {str(target)!r}: cannot write in this folder")
        return target
    existing = target.absolute().parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {str(target)!r}: cannot create it in {str(existing)!r}")
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A unique temporary path in ``path``'s folder, renamed to ``path`` if the block succeeds.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    while True:  # a name no other process or thread uses: pid and a random token
        partial = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        try:
            # Created with the permissions of any new file (the umask applies).
            os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            break
        except FileExistsError:  # pragma: no cover - a 48-bit random name, taken
            continue
    try:
        yield partial
        _sync(partial)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` (text is UTF-8) to ``path`` whole, through a unique temporary file."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as partial:
        partial.write_bytes(payload)


def _sync(path: Path) -> None:
    """Flush a written file to disk (where the platform allows)."""
    with contextlib.suppress(OSError), open(path, "rb+") as handle:
        os.fsync(handle.fileno())


class FileLock:
    """An exclusive lock on ``path`` (a file ``path + '.lock'``), for one process at a time.

    ``acquire`` raises :class:`ValueError` naming ``name`` while another live
    process holds the lock; a lock left by a process that is gone (same host)
    is taken over.
    """

    def __init__(self, path: str | os.PathLike[str], name: str = "file") -> None:
        self.target = Path(path)
        self.path = self.target.with_name(self.target.name + ".lock")
        self.name = name
        self.held = False

    def _owner(self) -> str:
        return f"{socket.gethostname()} {os.getpid()}"

    def acquire(self) -> None:
        for _ in range(3):
            try:
                handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self._stale():
                    with contextlib.suppress(FileNotFoundError):
                        self.path.unlink()
                    continue
                holder = self._read() or "another process"
                raise ValueError(
                    f"{self.name} {str(self.target)!r} is in use by another sweep "
                    f"(lock {str(self.path)!r}, held by {holder}); wait for it to finish, "
                    "or use another path"
                ) from None
            with os.fdopen(handle, "w") as out:
                out.write(self._owner())
            self.held = True
            return
        raise ValueError(f"{self.name} {str(self.target)!r}: cannot take its lock {self.path}")

    def release(self) -> None:
        if self.held:
            self.held = False
            if self._read() == self._owner():
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _read(self) -> str | None:
        try:
            return self.path.read_text().strip()
        except (OSError, UnicodeDecodeError):
            return None

    def _stale(self) -> bool:
        """Whether the lock's holder is a process on this host that no longer runs."""
        text = self._read()
        if text is None:
            return False  # being written right now, or unreadable: not ours to take
        host, _, pid = text.rpartition(" ")
        if host != socket.gethostname() or not pid.isdigit():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        except OSError as error:  # pragma: no cover - platform specific
            return error.errno == errno.ESRCH
        return False
