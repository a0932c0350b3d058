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
    with Staging(check_target(out, force=True)) as staging:
        (staging.path / "new.txt").write_text("new")
        staging.commit()
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_missing_parent_folder(tmp_path):
    with pytest.raises(AtheenaError, match="does not exist; create it first"):
        check_target(tmp_path / "no" / "out", force=False)
