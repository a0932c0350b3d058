"""Load a user's model: `path/to/file.py:ClassName`, its weights and input shape.

Every failure is an `AtheenaError` that says which file, class or key is wrong.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from pathlib import Path

import torch
from torch import nn

from atheena.errors import AtheenaError


def load_model(spec: str) -> nn.Module:
    """Instantiate the class named by `file.py:ClassName` (constructor without arguments)."""
    path_text, sep, class_name = spec.rpartition(":")
    if not sep or not path_text or not class_name:
        raise AtheenaError(
            f"model '{spec}' must be given as path/to/file.py:ClassName or a .onnx file (or use --example NAME)"
        )
    path = Path(path_text)
    if not path.is_file():
        raise AtheenaError(f"model file '{path}' not found; give the path of a Python file that defines {class_name}")
    if path.suffix != ".py":
        raise AtheenaError(f"model file '{path}' must be a Python file ending in .py")
    module_name = "atheena_user_model_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except (Exception, SystemExit) as err:  # a script that calls sys.exit() at import is a user error too
        raise AtheenaError(f"could not load model file '{path}': {type(err).__name__}: {err}") from None
    cls = getattr(module, class_name, None)
    if cls is None:
        found = sorted(n for n, v in vars(module).items() if inspect.isclass(v) and issubclass(v, nn.Module)
                       and v.__module__ == module_name)
        raise AtheenaError(
            f"class '{class_name}' not found in '{path}'"
            + (f"; it defines: {', '.join(found)}" if found else "; it defines no nn.Module subclass")
        )
    if not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
        raise AtheenaError(f"'{class_name}' in '{path}' is not a torch.nn.Module subclass")
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)  # weights not loaded from a file are the same on every run
            return cls()
    except (Exception, SystemExit) as err:
        raise AtheenaError(
            f"could not construct {class_name}() from '{path}': {type(err).__name__}: {err}. "
            "The compiler builds the model with no arguments; give every constructor argument a default."
        ) from None


def load_weights(model: nn.Module, path: str | Path) -> None:
    """Load a `state_dict` saved with `torch.save` into `model`."""
    path = Path(path)
    if not path.is_file():
        raise AtheenaError(f"weights file '{path}' not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise AtheenaError(f"could not read weights file '{path}': {err}. Save it with torch.save(model.state_dict(), path).") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise AtheenaError(f"weights file '{path}' does not hold a state_dict")
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as err:  # shape mismatches
        detail = str(err).strip().splitlines()
        raise AtheenaError(f"weights file '{path}' does not match the model: "
                           f"{detail[-1].strip() if detail else err}") from None
    if result.missing_keys or result.unexpected_keys:
        parts = []
        if result.missing_keys:
            parts.append(f"missing {', '.join(result.missing_keys[:5])}")
        if result.unexpected_keys:
            parts.append(f"unexpected {', '.join(result.unexpected_keys[:5])}")
        raise AtheenaError(f"weights file '{path}' does not match the model ({'; '.join(parts)})")


def parse_shape(text: str) -> tuple[int, ...]:
    """'1,28,28' -> (1, 28, 28); '1,1,28,28' (a batch of one) too."""
    try:
        shape = tuple(int(v) for v in text.replace("x", ",").split(",") if v.strip())
    except ValueError:
        shape = ()
    if len(shape) == 4:
        shape = sample_shape(shape, f"input shape '{text}'")
    if len(shape) != 3 or min(shape) < 1:
        raise AtheenaError(f"input shape '{text}' must be three positive integers C,H,W (e.g. 1,28,28)")
    return shape


def input_shape_of(model: nn.Module, override: str | None) -> tuple[int, ...]:
    """The per-sample input shape: `--input-shape`, else the model's `input_shape` attribute.  A leading
    batch dimension of 1 (`input_shape = (1, C, H, W)`, as many models write it) is dropped: a streaming
    accelerator takes one sample at a time."""
    if override:
        return parse_shape(override)
    shape = getattr(model, "input_shape", None)
    if shape is None:
        raise AtheenaError(
            f"{type(model).__name__} has no 'input_shape' attribute; pass --input-shape C,H,W "
            "(e.g. --input-shape 1,28,28) or set input_shape = (C, H, W) on the class"
        )
    return parse_shape(",".join(str(v) for v in shape))  # (1, C, H, W) too: parse_shape drops the batch


def sample_shape(shape, what: str = "the input shape") -> tuple[int, ...]:
    """The per-sample shape: a leading batch of 1 of a 4-D `shape` (1, C, H, W) is dropped, any other
    batch refused (the accelerator streams one sample at a time); other shapes are returned as given."""
    values = tuple(int(v) for v in shape)
    if len(values) == 4:
        if values[0] != 1:
            raise AtheenaError(f"{what} {tuple(shape)} has a batch of {values[0]}; the accelerator streams one "
                               "sample at a time: give (C, H, W) or (1, C, H, W)")
        values = values[1:]
    return values
