"""The content-addressed cache shared by Verilator builds and Yosys runs.

Both tools are slow and deterministic, so their results are kept under
`$ATHEENA_CACHE` (default `~/.cache/atheena`)`/<tool>`, keyed by a hash of
the sources and everything else that decides the result.  Work happens in a
scratch folder named after the key and the process, so concurrent runs never
share one.  A scratch folder never outlives its run unnoticed: on Ctrl-C the
command line removes this process's (`discard_scratch`), a run that failed
keeps its folder renamed `<key>.failed` for the user to read (`keep_failed`),
and folders left by processes that no longer exist (killed, or interrupted
inside the Python API) are removed when the next scratch folder beside them
is made.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from pathlib import Path

_SCRATCH = re.compile(r"\.tmp(\d+)-\d+$")
_live: set[Path] = set()  # this process's scratch folders (those already renamed or removed are harmless)


def cache_dir(tool: str) -> Path:
    root = Path(os.environ.get("ATHEENA_CACHE", Path.home() / ".cache" / "atheena")) / tool
    root.mkdir(parents=True, exist_ok=True)
    return root


def content_key(files: dict[str, str], *extra: str, length: int = 24) -> str:
    """Hash of the files (name and text, in name order) and the extra strings."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    for text in extra:
        digest.update(text.encode() + b"\0")
    return digest.hexdigest()[:length]


def scratch(near: Path, files: dict[str, str]) -> Path:
    """A fresh folder beside `near`, private to this process and thread, holding `files`."""
    _remove_stale(near.parent)
    folder = near.with_name(f"{near.name}.tmp{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _live.add(folder)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def keep_failed(work: Path) -> Path:
    """Rename a failed run's scratch folder to `<key>.failed` (replacing an older one) for the user to
    read, and return its new path."""
    failed = work.with_name(work.name.split(".tmp")[0] + ".failed")
    shutil.rmtree(failed, ignore_errors=True)
    work.rename(failed)
    _live.discard(work)
    return failed


def discard_scratch() -> None:
    """Remove every scratch folder this process still has (on Ctrl-C: a half-built simulator is 150 MB)."""
    for folder in list(_live):
        shutil.rmtree(folder, ignore_errors=True)
    _live.clear()


def _remove_stale(parent: Path) -> None:
    """Remove the scratch folders in `parent` whose process has ended."""
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        m = _SCRATCH.search(entry.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def store(path: Path, record: dict) -> None:
    """Write a JSON record atomically: a concurrent run of the same design writes the same record, and a
    reader never sees half of one."""
    partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}")
    partial.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(partial, path)
