"""The output folder of `atheena compile`: all of it or nothing.

Everything is written into a hidden staging folder beside OUT
(`.OUT.partial-<pid>`) and renamed into place when the compile has
succeeded, so an error or Ctrl-C leaves no half-written OUT (the staging
folder is removed).  An existing OUT that is not empty is only replaced with
`force`; it is moved aside first and deleted once the new one is in place, so
even then there is always one complete OUT.

Two compiles must not write one OUT at once (each would stage, both would
commit, and the folder would hold whichever finished last while both said they
succeeded).  So staging first takes an exclusive lock on `.OUT.lock` beside
OUT (`fcntl.flock`, released by the kernel if the process dies; the file holds
the owner's pid for the message) and fails at once, naming the other process,
if another compile holds it; then OUT is checked again, since the other one
may have finished in between.
"""

from __future__ import annotations

import fcntl
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
    """Context manager: a staging folder that becomes OUT on `commit()` and vanishes otherwise; OUT is
    locked against other compiles for the duration."""

    def __init__(self, out: Path, force: bool = False):
        self.out = out
        self.force = force
        self.path = out.resolve().parent / f".{out.name}.partial-{os.getpid()}"
        self.lock_path = out.resolve().parent / f".{out.name}.lock"
        self._lock: int | None = None

    def __enter__(self) -> Staging:
        self._acquire()
        try:
            check_target(self.out, self.force)  # again: another compile may have written OUT meanwhile
            shutil.rmtree(self.path, ignore_errors=True)
            try:
                self.path.mkdir()
            except OSError as err:
                raise AtheenaError(f"cannot create '{self.path}': {err.strerror or err}") from None
        except BaseException:
            self._release()
            raise
        return self

    def _acquire(self) -> None:
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as err:
                raise AtheenaError(f"cannot create the lock file '{self.lock_path}': {err.strerror or err}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise AtheenaError(
                    f"another atheena compile (process {owner}) is writing '{self.out}' right now; wait for it to "
                    f"finish or give another -o (if no such process runs, delete '{self.lock_path}')") from None
            except OSError as err:  # a file system without locks (some network mounts)
                os.close(fd)
                raise AtheenaError(f"cannot lock '{self.lock_path}' ({err.strerror or err}): the file system of "
                                   f"'{self.out}' does not support locks; give an -o on a local disk") from None
            try:  # the file we locked must still be the lock: a finishing owner unlinks it
                same = os.path.samestat(os.fstat(fd), os.stat(self.lock_path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock = fd

    def _release(self) -> None:
        if self._lock is None:
            return
        try:
            os.unlink(self.lock_path)  # while still holding it (see `_acquire`)
        except FileNotFoundError:
            pass
        os.close(self._lock)
        self._lock = None

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
        self._release()
