"""Results are written whole, in place of devices never, with sensible permissions."""

import os
import stat

import pytest

from atheena.errors import AtheenaError
from atheena.fileio import write_atomic


def test_new_file_gets_umask_permissions_and_existing_keeps_its_own(tmp_path):
    path = tmp_path / "out.mlir"
    write_atomic(path, "a")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~_umask()
    os.chmod(path, 0o640)
    write_atomic(path, "b")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text() == "b"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mlir"]  # no temporary file left


def test_symlink_target_is_written_and_the_link_kept(tmp_path):
    target = tmp_path / "real.mlir"
    target.write_text("old")
    (tmp_path / "link.mlir").symlink_to(target)
    write_atomic(tmp_path / "link.mlir", "new")
    assert (tmp_path / "link.mlir").is_symlink() and target.read_text() == "new"


def test_devices_are_written_in_place():
    write_atomic("/dev/null", "discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("bad, message", [("", "empty"), ("/", "it is a folder"), ("/no/dir/f", "does not exist")])
def test_bad_paths_are_user_errors(bad, message):
    with pytest.raises(AtheenaError, match=message):
        write_atomic(bad, "x")


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
