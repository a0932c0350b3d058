"""Independent jobs run one after another, or on a Dask cluster: the same answers either way.

The long steps of the flow are many independent jobs: a design-space sweep
(boards x budgets x exit rates), a characterisation (hundreds of Yosys runs).
`run_jobs` runs a list of them

* serially in this process (the default: exactly the behaviour without Dask),
* on a local Dask cluster of `jobs` worker processes (`--jobs N`), or
* on an existing Dask cluster (`--scheduler tcp://host:8786`, or a
  `dask.distributed.Client` from the Python API),

and returns their results in the order of the jobs, whatever order they
finish in.  No shared file system is assumed: a job's function is a
top-level function of the installed package (pickled by name) and its
arguments and result travel as values (IR as text, records as dicts), so a
worker needs only `pip install atheena`; Verilator and Yosys caches stay per
worker.

A job that raises is reported with its point ("budget 0.3 on zc706: ...").
With `keep_going` the others still return and the failed ones are
`Failed` records in their places; without it the run stops at the first
failure, cancels what is left and raises `JobFailed`.  One progress bar on
stderr counts the jobs done, running and failed (on a terminal; none with
`quiet`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from atheena.errors import AtheenaError


@dataclass(frozen=True)
class Failed:
    """A job that raised: its point (what it computed) and why."""

    point: str
    error: str

    def as_dict(self) -> dict:
        return {"failed": self.point, "error": self.error}


class JobFailed(AtheenaError):
    """A job raised and the run was not asked to keep going."""


@dataclass(frozen=True)
class Executor:
    """Where jobs run: serially (both None), a local cluster of `jobs` processes, or at `scheduler`; or the
    caller's own `client`."""

    jobs: int | None = None
    scheduler: str | None = None
    client: object | None = None

    @property
    def serial(self) -> bool:
        return self.client is None and not self.scheduler and not self.jobs

    def describe(self) -> str:
        if self.client is not None:
            return "the given Dask client"
        if self.scheduler:
            return f"the Dask scheduler at {self.scheduler}"
        if self.jobs:
            return f"a local Dask cluster of {self.jobs} worker processes"
        return "this process"


def executor(jobs: int | None = None, scheduler: str | None = None, client=None) -> Executor:
    """Check the settings a command was given (`--jobs`, `--scheduler`) and say what is wrong; `--jobs 1`
    is serial."""
    if sum(x is not None for x in (jobs, scheduler, client)) > 1:
        raise AtheenaError("give at most one of --jobs (a local Dask cluster) and --scheduler (an existing one)")
    if jobs is not None and jobs < 1:
        raise AtheenaError(f"--jobs {jobs} must be at least 1 (worker processes of a local Dask cluster)")
    if scheduler is not None and "://" not in scheduler:
        raise AtheenaError(f"--scheduler '{scheduler}' must be a Dask scheduler address such as tcp://host:8786")
    return Executor(jobs if jobs and jobs > 1 else None, scheduler, client)


@contextlib.contextmanager
def _client(where: Executor) -> Iterator[object]:
    """A `distributed.Client` for `where`, closed afterwards unless it is the caller's."""
    if where.client is not None:
        yield where.client
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a pinned dependency
        raise AtheenaError("Dask's distributed package is not installed: pip install 'dask[distributed]'") from None
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)  # its own chatter is not the user's business
    if where.scheduler:
        try:
            client = Client(where.scheduler, timeout="10s")
        except OSError as err:
            raise AtheenaError(f"could not reach the Dask scheduler at {where.scheduler}: {err}. Start one with "
                               "'dask scheduler' and workers with 'dask worker ADDRESS'") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=where.jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def run_jobs(fn: Callable, jobs: Sequence[tuple], points: Sequence[str], where: Executor = Executor(),
             keep_going: bool = False, quiet: bool = False, what: str = "jobs", preload: Sequence[str] = ()) -> list:
    """`[fn(*args) for args in jobs]`, run where `where` says; `points[i]` names job i in messages.

    `fn` must be a top-level function of an importable module (workers import it by name).
    `preload` names modules each Dask worker imports on its main thread before the jobs
    (`atheena.parallel_plugins.Preload`): PyCDE must be, or the worker crashes as it stops."""
    if len(points) != len(jobs):
        raise ValueError("one point name per job")
    from tqdm import tqdm

    shown = not quiet and bool(jobs) and getattr(sys.stderr, "isatty", lambda: False)()  # no bar in a log file
    bar = tqdm(total=len(jobs), desc=f"atheena: {what}", unit="job", file=sys.stderr, disable=not shown, leave=False)
    failed = 0

    def settle(i: int, outcome, error: BaseException | None):
        nonlocal failed
        if error is None:
            return outcome
        if isinstance(error, KeyboardInterrupt):
            raise error
        failed += 1
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if not keep_going:
            raise JobFailed(f"{points[i]}: {message}") from None
        return Failed(points[i], message)

    results: list = [None] * len(jobs)
    try:
        if where.serial:
            for i, args in enumerate(jobs):
                try:
                    outcome, error = fn(*args), None
                except Exception as err:  # noqa: BLE001 - a job's failure is reported with its point
                    outcome, error = None, err
                results[i] = settle(i, outcome, error)
                bar.update()
                bar.set_postfix_str(f"failed {failed}" if failed else "")
            return results
        from distributed import as_completed

        with _client(where) as client:
            if preload:
                from atheena.parallel_plugins import Preload

                client.register_plugin(Preload(tuple(preload)))
            futures = [client.submit(fn, *args, pure=False) for args in jobs]
            index = {f.key: i for i, f in enumerate(futures)}
            try:
                for future in as_completed(futures):
                    i = index[future.key]
                    error = future.exception() if future.status == "error" else None
                    results[i] = settle(i, future.result() if error is None else None, error)
                    bar.update()
                    running = sum(1 for f in futures if f.status == "pending")
                    bar.set_postfix_str(f"queued or running {running}" + (f", failed {failed}" if failed else ""))
            except BaseException:
                client.cancel(futures)
                raise
        return results
    finally:
        bar.close()
