"""The output folder of `atheena compile`: all of it or nothing.

Everything is written into a hidden staging folder beside OUT
(`.OUT.partial-<pid>`) and renamed into place when the compile has
succeeded, so an error or Ctrl-C leaves no half-written OUT (the staging
folder is removed).  An existing OUT that is not empty is only replaced with
`force`; it is moved aside first and deleted once the new one is in place, so
even then there is always one complete OUT.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from atheena.errors import AtheenaError


def check_target(out: str | os.PathLike, force: bool) -> Path:
    """Fail early (before any work) when OUT cannot be written."""
    if not str(out):
        raise AtheenaError("the output folder name (-o) is empty")
    path = Path(out)
    parent = path.resolve().parent
    if not parent.is_dir():
        raise AtheenaError(f"cannot write '{path}': folder '{parent}' does not exist; create it first")
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise AtheenaError(f"cannot write '{path}': it exists and is not a folder; give a folder name "
                               "(atheena compile writes a folder of results)")
        if any(path.iterdir()) and not force:
            raise AtheenaError(f"output folder '{path}' exists and is not empty; give another -o, remove it, or "
                               "add --force to replace it")
    if not os.access(parent, os.W_OK):
        raise AtheenaError(f"cannot write '{path}': folder '{parent}' is not writable")
    return path


class Staging:
    """Context manager: a staging folder that becomes OUT on `commit()` and vanishes otherwise."""

    def __init__(self, out: Path):
        self.out = out
        self.path = out.resolve().parent / f".{out.name}.partial-{os.getpid()}"

    def __enter__(self) -> Staging:
        shutil.rmtree(self.path, ignore_errors=True)
        try:
            self.path.mkdir()
        except OSError as err:
            raise AtheenaError(f"cannot create '{self.path}': {err.strerror or err}") from None
        return self

    def commit(self) -> None:
        """Move the staging folder into place as OUT (replacing an existing one)."""
        target = self.out.resolve() if self.out.is_symlink() else self.out.absolute()
        old = None
        if target.exists():
            if target.is_dir() and not any(target.iterdir()):
                target.rmdir()
            else:
                old = target.parent / f".{target.name}.old-{os.getpid()}"
                shutil.rmtree(old, ignore_errors=True)
                os.rename(target, old)
        os.rename(self.path, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)  # nothing left after commit(); everything after a failure
