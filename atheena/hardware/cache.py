"""The content-addressed cache shared by Verilator builds and Yosys runs.

Both tools are slow and deterministic, so their results are kept under
`$ATHEENA_CACHE` (default `~/.cache/atheena`)`/<tool>`, keyed by a hash of
the sources and everything else that decides the result.  Work happens in a
scratch folder named after the key and the process, so concurrent runs never
share one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path


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
    folder = near.with_name(f"{near.name}.tmp{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def store(path: Path, record: dict) -> None:
    """Write a JSON record atomically: a concurrent run of the same design writes the same record, and a
    reader never sees half of one."""
    partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}")
    partial.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(partial, path)
