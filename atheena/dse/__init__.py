"""Design space exploration: folding every layer for throughput within a board budget.

* `sweep(module, boards, budgets, exit_probabilities)` -> records, early exit vs baseline
* `exit_probabilities_for(module, thresholds, data)` -> exit probabilities measured by profiling
* `pareto(points)`, `plot_pareto(records, path)` -> Pareto fronts
* `Folder(module, board).design(budget, rates)` / `.predict(...)` / `.baseline(budget)` -> what `fold`
  (and `size-buffers`) write
* `optimise(layers, board, budget, links)`, `cheapest(layers, board, cycles, links)` -> one optimisation
  (`links`: the lane converters between the layers, `atheena.dse.converters`)
* `boards.load(name_or_path)` -> a board; `network_layers` / `baseline_layers` -> what is folded
"""

import importlib

# name -> (module, attribute): imported on first use, so that importing one submodule (the cost machinery,
# which the op kinds use) does not import the whole exploration (which uses the op kinds)
_PUBLIC = {
    "Board": ("boards", "Board"), "load_board": ("boards", "load"), "Folder": ("fold", "Folder"),
    "Prediction": ("fold", "Prediction"), "baseline_layers": ("network", "baseline_layers"),
    "network_layers": ("network", "network_layers"), "Design": ("optimizer", "Design"),
    "cheapest": ("optimizer", "cheapest"), "optimise": ("optimizer", "optimise"),
    "smallest_budget": ("optimizer", "smallest_budget"), "exit_probabilities_for": ("sweeps", "exit_probabilities_for"),
    "exit_traces_for": ("sweeps", "exit_traces_for"), "pareto": ("sweeps", "pareto"),
    "plot_pareto": ("sweeps", "plot_pareto"), "sweep": ("sweeps", "sweep"),
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
