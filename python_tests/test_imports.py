"""Every module of the package imports on its own, first.

The op kinds, the references, the cost model and the exploration use each other; an import cycle
only shows when a program happens to import one module before the others (it broke `atheena import`
once), so each module is imported here with no ATHEENA module loaded before it.
"""

import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys
import atheena
names = sorted(m.name for m in pkgutil.walk_packages(atheena.__path__, "atheena."))
failed = []
for name in names:
    for loaded in [k for k in sys.modules if k == "atheena" or k.startswith("atheena.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as err:
        failed.append(f"{name}: {type(err).__name__}: {err}")
print(len(names))
print("\\n".join(failed))
"""


def test_every_module_imports_first():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    count, *failed = out.strip().split("\n")
    assert int(count) > 60
    assert [f for f in failed if f] == []
