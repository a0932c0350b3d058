"""Writing results so that a failed run leaves nothing half-written.

A regular file is written through a temporary file in the same folder and
renamed into place, keeping the permissions an existing file had (or the
usual ones for a new file).  Anything else that already exists at the path
(`/dev/null`, a pipe, a terminal) is written directly: replacing a device
node with a regular file would break the machine.  A symbolic link is
followed, so the file it points to is what changes.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from atheena.errors import AtheenaError


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` (see the module docstring for how)."""
    write_atomic_bytes(path, text.encode())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` (see the module docstring for how)."""
    if not str(path):
        raise AtheenaError("the output file name is empty")
    path = Path(os.path.realpath(path))
    try:
        if path.exists() and not path.is_file():
            if path.is_dir():
                raise AtheenaError(f"cannot write '{path}': it is a folder; give a file name")
            with open(path, "wb") as f:  # a device or pipe: write in place
                f.write(data)
            return
        folder = path.parent
        if not folder.is_dir():
            raise AtheenaError(f"cannot write '{path}': folder '{folder}' does not exist")
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise AtheenaError(f"cannot write '{path}': {err.strerror or err}") from None
