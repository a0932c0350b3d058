"""lit configuration for ATHEENA's FileCheck tests.

Works two ways: `lit lit_tests` from an environment where ATHEENA is installed,
or through CMake's `check-atheena-lit`, which writes `lit.site.cfg.py` with the
Python to use.  Tools (atheena-opt, atheena, FileCheck) are taken from the
folder of that Python, i.e. the virtual environment.
"""

import os
import sys

import lit.formats

config.name = "ATHEENA"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
# Inputs folders, at any depth (lit_tests/Inputs, passes/<pass>/Inputs), hold the tests' inputs, not tests.
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = getattr(config, "atheena_obj_root", None) or os.path.join(config.test_source_root, "Output")

python = getattr(config, "python_executable", None) or sys.executable
tools = os.path.dirname(python)
config.environment["PATH"] = os.pathsep.join([tools, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["HOME"] = os.environ.get("HOME", "/tmp")
# lit passes only a fixed list of variables to the tests; forward PYTHONPATH so that
# `PYTHONPATH=/some/checkout lit lit_tests` tests that checkout's code.
if os.environ.get("PYTHONPATH"):
    config.environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
config.substitutions.append(("%python", python))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

for tool in ("atheena-opt", "atheena", "FileCheck"):
    if not os.path.exists(os.path.join(tools, tool)):
        lit_config.fatal(f"'{tool}' not found next to {python}; install ATHEENA with its test extra: pip install -e '.[test]'")
