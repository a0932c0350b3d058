"""The output folder is written all at once, or not at all."""

import pytest

from atheena.compile.outdir import Staging, check_target
from atheena.errors import AtheenaError


def test_commit_moves_the_staging_folder_into_place(tmp_path):
    out = tmp_path / "out"
    with Staging(check_target(out, force=False)) as staging:
        (staging.path / "a.txt").write_text("a")
        assert not out.exists()
        staging.commit()
    assert (out / "a.txt").read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), Staging(out) as staging:
        (staging.path / "half.txt").write_text("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_force_replaces_a_non_empty_folder_and_an_empty_one_needs_no_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    check_target(out, force=False)  # empty: fine
    (out / "old.txt").write_text("old")
    with pytest.raises(AtheenaError, match="exists and is not empty"):
        check_target(out, force=False)
    with Staging(check_target(out, force=True), force=True) as staging:
        (staging.path / "new.txt").write_text("new")
        staging.commit()
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_missing_parent_folder(tmp_path):
    with pytest.raises(AtheenaError, match="does not exist; create it first"):
        check_target(tmp_path / "no" / "out", force=False)


def test_a_second_compile_to_the_same_folder_fails_naming_the_first(tmp_path):
    """Two compiles to one OUT at once: the second stops at once, naming the first's process, and leaves
    the first's staging alone; once the first is done the lock is gone."""
    import subprocess
    import sys
    import textwrap

    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from atheena.compile.outdir import Staging
        with Staging(Path({str(out)!r})) as staging:
            print("locked", flush=True)
            sys.stdin.readline()
            (staging.path / "a.txt").write_text("first")
            staging.commit()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(AtheenaError, match=f"process {holder.pid}.* is writing"):
            with Staging(out):
                pass
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(timeout=60) == 0
    finally:
        holder.kill()
    assert (out / "a.txt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no lock file or staging left"
    with pytest.raises(AtheenaError, match="exists and is not empty"):  # checked again under the lock
        with Staging(out):
            pass
    with Staging(out, force=True) as staging:
        (staging.path / "b.txt").write_text("second")
        staging.commit()
    assert sorted(p.name for p in out.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_system_without_locks_is_a_clear_error(tmp_path, monkeypatch):
    import errno
    import fcntl

    def unsupported(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", unsupported)
    with pytest.raises(AtheenaError, match="does not support locks; give an -o on a local disk"):
        with Staging(tmp_path / "out"):
            pass
    assert list(tmp_path.iterdir()) in ([], [tmp_path / ".out.lock"])
