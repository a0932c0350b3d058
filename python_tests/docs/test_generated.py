"""The committed dialect and pass references are what docs/generate.py makes from the sources."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("atheena_docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_references_are_up_to_date():
    assert _generator().stale() == [], "run: python docs/generate.py"


def test_every_op_and_pass_is_documented():
    from atheena import passes
    from atheena.dialects import op_names

    dialect = (ROOT / "docs" / "dialect.md").read_text()
    assert all(f"Structure of `{op}` (IRDL)" in dialect for op in op_names())
    reference = (ROOT / "docs" / "passes.md").read_text()
    assert all(f"## `{name}`" in reference for name in passes.REGISTRY)


def test_readme_tutorial_shows_the_example_network():
    """The model printed in the README's tutorial is the one in examples/tiny_ee.py (same layers, same shapes)."""
    import re

    from atheena.frontend.loading import load_model

    readme = (ROOT / "README.md").read_text()
    tutorial = readme.split("## Compile your own early-exit network", 1)[1]
    code = re.search(r"```python\n(.*?)```", tutorial, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    shown = namespace["TinyEE"]()
    shipped = load_model(f"{ROOT / 'examples' / 'tiny_ee.py'}:TinyEE")
    assert {k: tuple(v.shape) for k, v in shown.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in shipped.state_dict().items()}
    assert shown.input_shape == shipped.input_shape and tuple(shown.thresholds) == tuple(shipped.thresholds)
    assert repr(shown) == repr(shipped)
