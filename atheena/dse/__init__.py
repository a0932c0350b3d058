"""Design space exploration: folding every layer for throughput within a board budget.

* `sweep(module, boards, budgets, exit_probabilities)` -> records, early exit vs baseline
* `exit_probabilities_for(module, thresholds, data)` -> exit probabilities measured by profiling
* `pareto(points)`, `plot_pareto(records, path)` -> Pareto fronts
* `Folder(module, board).design(budget, rates)` / `.baseline(budget)` -> the design `fold` writes
* `optimise(layers, board, budget)`, `cheapest(layers, board, cycles)` -> one optimiser solve
* `boards.load(name_or_path)` -> a board; `network_layers` / `baseline_layers` -> what is folded
"""

from atheena.dse.boards import Board, load as load_board
from atheena.dse.fold import Folder
from atheena.dse.network import baseline_layers, network_layers
from atheena.dse.optimizer import Design, cheapest, optimise, smallest_budget
from atheena.dse.sweeps import exit_probabilities_for, pareto, plot_pareto, sweep

__all__ = ["Board", "Design", "Folder", "baseline_layers", "cheapest", "exit_probabilities_for", "load_board", "network_layers", "optimise",
           "pareto", "plot_pareto", "smallest_budget", "sweep"]
