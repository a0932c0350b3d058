"""Dask worker plugins of `atheena.parallel` (a module of their own: importing them imports `distributed`)."""

from __future__ import annotations

import importlib

from distributed import WorkerPlugin


class Preload(WorkerPlugin):
    """Imports `modules` on a Dask worker's main thread as it joins.

    PyCDE enters its default MLIR context on the thread that imports it and leaves it when the
    interpreter exits, on the main thread.  Imported first by a job, on a worker's task thread,
    the two do not match and the worker crashes on its way out (an unbalanced context, then a
    reference count changed without the GIL).  `setup` runs on the worker's event loop, its main
    thread, so importing PyCDE there keeps the pair on one thread.
    """

    idempotent = True  # registering the same set again (the next run on the same cluster) is a no-op

    def __init__(self, modules: tuple[str, ...]):
        self.modules = tuple(modules)
        self.name = "atheena-preload-" + "-".join(self.modules)

    def setup(self, worker) -> None:
        for module in self.modules:
            importlib.import_module(module)
