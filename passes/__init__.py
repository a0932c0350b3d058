"""ATHEENA's Python passes, one per module; this folder is `atheena.passes`.

`REGISTRY` maps each pass's command-line name to the module and class that
implement it; modules are imported only when a pass is used, so listing
passes or running upstream ones stays fast.
"""

from __future__ import annotations

import importlib

from atheena.pass_base import ModulePass

REGISTRY: dict[str, tuple[str, str]] = {
    "convert-torch-to-atheena": ("convert_torch_to_atheena", "ConvertTorchToAtheena"),
    "atheena-verify": ("atheena_verify", "AtheenaVerify"),
    "annotate-exit-probabilities": ("annotate_exit_probabilities", "AnnotateExitProbabilities"),
    "fold": ("fold", "Fold"),
    "size-buffers": ("size_buffers", "SizeBuffers"),
    "lower-atheena-to-handshake": ("lower_atheena_to_handshake", "LowerAtheenaToHandshake"),
}


def lookup(name: str) -> type[ModulePass] | None:
    """The pass class registered under `name`, or None for an unknown name."""
    entry = REGISTRY.get(name)
    if entry is None:
        return None
    module = importlib.import_module(f"{__name__}.{entry[0]}")
    return getattr(module, entry[1])
