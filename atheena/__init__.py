"""ATHEENA: a compiler from early-exit PyTorch networks to streaming FPGA hardware.

Public API (imported lazily, so `atheena-opt` does not pay for PyTorch):

* `import_model(module, example_input, thresholds=...)` -> `atheena` MLIR module
* `profile(network, data=None, thresholds=[...] | "auto")` -> exit rates and
  accuracy per threshold setting (`atheena.profiling.ProfileRecord`)
* `atheena.models` -> the reference networks
"""

from __future__ import annotations

__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "import_model":
        from atheena.frontend import import_model

        return import_model
    if name == "profile":
        from atheena.profiling import profile

        return profile
    raise AttributeError(f"module 'atheena' has no attribute {name!r}")


__all__ = ["import_model", "profile", "__version__"]
