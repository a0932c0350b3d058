"""User-facing errors.

Every mistake a user can make (a bad file, an unsupported layer, malformed IR)
is raised as an `AtheenaError` carrying one paragraph that names the problem and
what to do.  Command-line tools catch it, print the paragraph and exit with
status 2; nothing else in the project prints tracebacks for user mistakes.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator

USER_ERROR_EXIT_CODE = 2


class AtheenaError(Exception):
    """An error caused by the user's input; its message is meant to be read."""

    exit_code = USER_ERROR_EXIT_CODE


class UnsupportedModelError(AtheenaError):
    """The PyTorch model uses an operation the compiler cannot map to hardware."""


class NoFeasibleDesign(AtheenaError):
    """No folding of the network fits the budget; `smallest` is the smallest budget that fits (None: unknown)."""

    def __init__(self, message: str, smallest: float | None = None):
        super().__init__(message)
        self.smallest = smallest


class IRError(AtheenaError):
    """MLIR input failed to parse or verify, or a pass failed (exit status 1, as mlir-opt)."""

    exit_code = 1


@contextlib.contextmanager
def reported_as_user_errors(tool: str) -> Iterator[None]:
    """Turn an `AtheenaError` (or Ctrl-C) into a message and an exit status."""
    try:
        yield
    except AtheenaError as err:
        print(f"{tool}: error: {err}", file=sys.stderr)
        raise SystemExit(err.exit_code) from None
    except KeyboardInterrupt:
        from atheena.hardware.cache import discard_scratch

        discard_scratch()  # a half-built simulator or synthesis folder in the cache
        print(f"{tool}: interrupted", file=sys.stderr)
        raise SystemExit(130) from None


def run_and_exit(main) -> None:
    """Run a command's `main()` and end the process without the interpreter's teardown.

    Tearing down PyTorch, torch._dynamo and the MLIR contexts takes about a
    second after the work is done; a command has written and closed its files
    by then, so flushing the standard streams is all that is left to do.
    """
    import os

    try:
        code = main()
        sys.stdout.flush()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as on SIGPIPE
        code = 141
    except Exception as exc:  # a bug in ATHEENA, not a user mistake: say so in one line
        if os.environ.get("ATHEENA_DEBUG"):
            import traceback

            traceback.print_exc()
        prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "atheena"
        print(f"{prog}: internal error: {type(exc).__name__}: {exc}. This is a bug in ATHEENA; please report it "
              "with the command you ran (ATHEENA_DEBUG=1 shows the traceback).", file=sys.stderr)
        code = 70
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = 141
    sys.stderr.flush()
    os._exit(code)
