"""Scratch folders of the tool cache never outlive their run: removed on Ctrl-C, kept renamed on failure,
and swept when their process is gone."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from atheena.hardware import cache


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("ATHEENA_CACHE", str(tmp_path))
    return tmp_path


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_processs_scratch_folder_is_swept_and_a_live_ones_kept(cache_root):
    root = cache.cache_dir("yosys")
    dead = root / f"abc.tmp{_dead_pid()}-1"
    live = root / f"abd.tmp{os.getppid()}-1"  # the process that started this one is running
    failed = root / "abe.failed"
    for folder in (dead, live, failed):
        folder.mkdir()
        (folder / "x").write_text("x")
    work = cache.scratch(root / "abf", {"a.sv": "module a; endmodule"})
    assert not dead.exists(), "the folder of a process that no longer exists is removed"
    assert live.exists() and failed.exists()
    assert (work / "a.sv").read_text() == "module a; endmodule"
    kept = cache.keep_failed(work)
    assert kept == root / "abf.failed" and (kept / "a.sv").exists() and not work.exists()
    again = cache.scratch(root / "abg", {})
    cache.discard_scratch()
    assert not again.exists() and kept.exists(), "discard removes live scratch folders, not kept failures"


@pytest.mark.hw
def test_ctrl_c_during_a_verilator_build_leaves_no_folder(cache_root):
    """Interrupt a real Verilator build as a terminal does (SIGINT to the whole process group) once its
    scratch folder exists: the command says it was interrupted (status 130) and the cache holds nothing
    half-built."""
    script = textwrap.dedent("""
        from atheena.errors import reported_as_user_errors
        from atheena.hardware.emit import emit
        from atheena.hardware.kernels.relu import relu_module
        from atheena.hardware.sim import build
        files = emit([relu_module(7)], "relu_interrupted")
        with reported_as_user_errors("t"):
            build(files, "atheena_relu_l7")
        print("built")
        """)
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "ATHEENA_CACHE": str(cache_root)})
    verilator = cache_root / "verilator"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if verilator.is_dir() and any(".tmp" in p.name for p in verilator.iterdir()):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    time.sleep(1.0)  # well into Verilator or the C++ compiler
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err, (out, err)
    assert [p.name for p in verilator.iterdir() if ".tmp" in p.name] == []
