"""Jobs on Dask give what they give serially: a local cluster of 2 worker processes against the serial run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from atheena.dse.sweeps import sweep
from atheena.errors import AtheenaError
from atheena.parallel import Executor, Failed, JobFailed, executor, run_jobs


@pytest.fixture(scope="module")
def client():
    """A `LocalCluster` of 2 worker processes, as `--jobs 2` starts (one per test module: starting costs ~2 s)."""
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as c:
        yield c


def test_a_sweep_on_dask_equals_the_serial_sweep(imported, client):
    module = imported("b-lenet")
    grid = (["zc706", "zedboard"], [0.5], [[0.75], [0.5]])
    serial = sweep(module, *grid)
    spread = sweep(module, *grid, where=Executor(client=client))
    assert json.dumps(spread) == json.dumps(serial)  # byte for byte, same order
    assert len(serial) == 4 and all(r["early_exit"] for r in serial)


def test_a_failed_point_is_reported_with_its_point(imported, client):
    """A budget outside (0, 1] makes its jobs raise: without keep_going the run stops naming the point;
    with it the other points still return, the failed ones are marked in their places."""
    module = imported("b-lenet")
    for where in (Executor(), Executor(client=client)):
        with pytest.raises(JobFailed, match=r"budget 1\.5 on ZC706.*budget 1\.5 must be in \(0, 1\]"):
            sweep(module, ["zc706"], [0.5, 1.5], [[0.75]], where=where)
        records = sweep(module, ["zc706"], [0.5, 1.5], [[0.75]], where=where, keep_going=True)
        good, bad = records
        assert good["early_exit"]["throughput_sps"] > 0 and good["gain"] > 1
        assert bad["early_exit"]["failed"].startswith("early exit at budget 1.5 on ZC706")
        assert "must be in (0, 1]" in bad["baseline"]["error"] and bad["gain"] is None


def test_run_jobs_keeps_the_order_of_the_jobs(client):
    """Results in job order whatever order they finish in (the first job is the slowest)."""
    from atheena.reference.fixed_point import faithful_limit

    jobs = [(n, shift) for n in (2, 10, 100) for shift in (0, 1)]
    points = [f"n {n} shift {s}" for n, s in jobs]
    assert run_jobs(faithful_limit, jobs, points, Executor(client=client), quiet=True) == \
        [faithful_limit(*j) for j in jobs]
    out = run_jobs(faithful_limit, [(10, 0), ("ten", 0)], ["ok", "bad n"], Executor(client=client),
                   keep_going=True, quiet=True)
    assert out[0] == faithful_limit(10, 0) and isinstance(out[1], Failed) and out[1].point == "bad n"


def test_executor_settings_are_checked():
    assert executor().serial and executor(jobs=1).serial
    assert executor(jobs=2).jobs == 2 and not executor(jobs=2).serial
    for kwargs, message in [({"jobs": 0}, "at least 1"), ({"jobs": 2, "scheduler": "tcp://h:1"}, "at most one"),
                            ({"scheduler": "localhost"}, "tcp://host:8786")]:
        with pytest.raises(AtheenaError, match=message):
            executor(**kwargs)


def test_dse_command_with_jobs_prints_the_serial_json(tmp_path):
    """`atheena dse --jobs 2` starts its own local cluster; its JSON is the serial run's, byte for byte."""
    args = [sys.executable, "-m", "atheena.tools.cli", "dse", "--example", "b-lenet", "--budgets", "0.5,1.0",
            "--exit-probabilities", "0.75", "--json", "-q"]
    serial = subprocess.run(args, capture_output=True, text=True)
    spread = subprocess.run([*args, "--jobs", "2"], capture_output=True, text=True)
    assert serial.returncode == 0 and spread.returncode == 0, spread.stderr
    assert spread.stdout == serial.stdout
    unreachable = subprocess.run([*args, "--scheduler", "tcp://127.0.0.1:9"], capture_output=True, text=True)
    assert unreachable.returncode == 2 and "could not reach the Dask scheduler" in unreachable.stderr


def test_the_threshold_budget_co_exploration_on_dask_equals_the_serial_one(client):
    """What `atheena compile --thresholds auto --jobs 2` runs: every (thresholds, budget) design and every
    baseline as a job; the same points, baselines and choice as serially."""
    from pathlib import Path

    from atheena.compile import explore as X
    from atheena.data import calibration_set
    from atheena.frontend import import_model
    from atheena.frontend.loading import load_model, load_weights
    from atheena.profiling import profile_exits

    examples = Path(__file__).resolve().parents[1] / "examples"
    model = load_model(f"{examples / 'tiny_ee.py'}:TinyEE")
    load_weights(model, examples / "tiny_ee.pt")
    module = import_model(model, model.input_shape, thresholds=[0.9])
    profile = profile_exits(module, calibration_set().subset(0, 300, "300 bundled images"))
    settings = [(0.7,), (0.9,), (0.99,)]
    runs = [X.explore(X.Explorer(module, "zc706", where=where), profile, settings, (0.9,), 0.2, None, 5.0)
            for where in (Executor(), Executor(client=client))]
    serial, spread = ([p.as_dict() for p in r.points] + [r.baseline, r.chosen.as_dict()] for r in runs)
    assert json.dumps(spread) == json.dumps(serial)
    assert len(runs[0].points) == 3 * len(runs[0].budgets)


def test_compile_refuses_impossible_executor_settings(tmp_path):
    result = subprocess.run([sys.executable, "-m", "atheena.tools.cli", "compile", "--example", "b-lenet", "--jobs",
                             "0", "-o", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 2 and "--jobs 0 must be at least 1" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_characterisation_on_dask_equals_the_serial_one(client):
    """`benchmarks/characterise.py --jobs 2`: each kernel is built and synthesised on a worker; the same
    records in the same order as serially.  A point that cannot be built is reported with its point."""
    import dataclasses

    from atheena.hardware import characterise as ch

    families = [dataclasses.replace(ch.FAMILIES["relu"], given=({"lanes": 1}, {"lanes": 3})),
                dataclasses.replace(ch.FAMILIES["fifo"], given=({"width": 8, "depth": 4},))]
    serial = ch.measure(families)
    spread = ch.measure(families, where=Executor(client=client))
    keys = ("family", "params", "top", "measured")
    assert [{k: r[k] for k in keys} for r in spread] == [{k: r[k] for k in keys} for r in serial]
    assert [r["top"] for r in serial] == ["atheena_relu_l1", "atheena_relu_l3", serial[2]["top"]]
    assert serial[1]["measured"]["lut"] > serial[0]["measured"]["lut"] > 0
    broken = [dataclasses.replace(ch.FAMILIES["relu"], given=({"lanes": 1}, {"width": 8}))]
    with pytest.raises(JobFailed, match=r"relu \{\"width\": 8\} for xc7: .*lanes"):
        ch.measure(broken, where=Executor(client=client))


def _cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "atheena.tools.cli", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.hw
def test_dse_checks_every_design_in_rtl_the_same_on_dask(tmp_path):
    """`atheena dse --simulate N --jobs 2`: every early-exit design (two thresholds x two budgets) is folded,
    lowered and simulated on a worker; bit-exact, near the prediction for those images, and the
    JSON is the serial run's byte for byte.  A design that does not fit is not built."""
    from pathlib import Path

    examples = Path(__file__).resolve().parents[1] / "examples"
    args = ["dse", f"{examples / 'tiny_ee.py'}:TinyEE", "--weights", str(examples / "tiny_ee.pt"),
            "--budgets", "0.001,0.3", "--thresholds", "0.7;0.99", "--simulate", "60", "--json", "-q"]
    serial = _cli(*args)
    spread = _cli(*args, "--jobs", "2")
    assert serial.returncode == 0, serial.stderr
    assert spread.returncode == 0 and spread.stdout == serial.stdout, spread.stderr
    records = json.loads(serial.stdout)
    assert len(records) == 4
    for r in records:
        if r["early_exit"] is None:  # nothing fits 0.1% of a ZC706: no design, no check
            assert r["budget"] == 0.001 and r["rtl"] is None
            continue
        check = r["rtl"]
        assert check["bit_exact"] and check["samples"] == 60 and sum(check["exits"]) == 60
        # a sanity bound: with 60 samples the pipeline's fill (thousands of cycles) is up to ~8% of this tiny
        # network's run (RTL against the model within 2% on 2,000 images: python_tests/hardware)
        assert abs(check["deviation"]) < 0.12, check
    built = [r["rtl"] for r in records if r["rtl"]]
    assert len(built) == 2 and built[0]["exits"] != built[1]["exits"]  # the thresholds are in the hardware
    refused = _cli("dse", "--example", "b-lenet", "--exit-probabilities", "0.7", "--simulate", "10")
    assert refused.returncode == 2 and "--simulate needs thresholds" in refused.stderr


@pytest.mark.hw
@pytest.mark.slow
def test_synth_implements_several_designs_the_same_on_dask(tmp_path):
    """`atheena synth a.mlir b.mlir --jobs 2`: one Yosys job per design; the serial run's JSON."""
    from pathlib import Path

    examples = Path(__file__).resolve().parents[1] / "examples"
    files = []
    imported = tmp_path / "tiny.mlir"
    assert _cli("import", f"{examples / 'tiny_ee.py'}:TinyEE", "--weights", str(examples / "tiny_ee.pt"),
                "-o", str(imported), "-q").returncode == 0
    for budget in (0.05, 0.2):
        out = tmp_path / f"folded_{budget}.mlir"
        run = subprocess.run([sys.executable, "-m", "atheena.tools.opt", str(imported), "--pass-pipeline",
                              f"builtin.module(annotate-exit-probabilities{{samples=200}},fold{{board=zc706 "
                              f"budget={budget}}},size-buffers)", "-o", str(out)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        files.append(str(out))
    serial = _cli("synth", *files, "--json", "-q")
    spread = _cli("synth", *files, "--json", "-q", "--jobs", "2")
    assert serial.returncode == 0, serial.stderr
    assert spread.returncode == 0, spread.stderr
    drop = ("seconds",)
    strip = [[{k: v for k, v in r.items() if k not in drop} for r in json.loads(x.stdout)] for x in (serial, spread)]
    assert strip[0] == strip[1] and [r["model"] for r in strip[0]] == files
    small, large = strip[0]
    assert any(small["synthesis"][k] < large["synthesis"][k] for k in ("dsp", "lut"))
    refused = _cli("synth", *files, "--rtl", str(tmp_path / "rtl"))
    assert refused.returncode == 2 and "give one .mlir file" in refused.stderr
