"""`atheena compile`: one command from a PyTorch early-exit network to verified SystemVerilog and a report.

    from atheena.compile import CompileOptions, compile_network
    report = compile_network(model, (1, 28, 28), "out", CompileOptions(budget=0.5, simulate=100))

* `driver`: the stages, in order, each a public API that also runs alone;
* `explore`: the co-exploration of thresholds and budgets that picks the design;
* `report`: `report.json` (schema in `docs/report-schema.md`) and `report.md`;
* `plots`: the report's figures;
* `options`: the options and their checks; `outdir`: the all-or-nothing output folder;
* `progress`: stage lines on stderr.
"""

from atheena.compile.options import CompileOptions

__all__ = ["CompileOptions", "compile_network"]


def __getattr__(name: str):
    if name == "compile_network":  # imported on use: the driver pulls in the whole compiler
        from atheena.compile.driver import compile_network

        return compile_network
    raise AttributeError(f"module 'atheena.compile' has no attribute {name!r}")
