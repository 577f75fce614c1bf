"""Stored files shared with nginx (#16): with ``STORAGE_GROUP_ID`` the filesystem backend leaves its objects
readable by that group (0640, directories 0750) so that nginx serves X-Accel-Redirect downloads, while temporary
uploads and everything else in DATA_DIR stay the process's own; the start-up tightening leaves the shared files."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from sanquan_kernel.serve import private_files
from sanquan_kernel.storage import FilesystemStorage, make_storage


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_objects_are_group_readable_when_a_group_is_named(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        gid = os.getgid()
        st = FilesystemStorage(tmp_path / "files", "training", group_id=gid)
        blob = st.put(io.BytesIO(b"%PDF-1.4 certificate"), limit=100)
        path = st.path(blob.sha256)
        assert _mode(path) == 0o640 and path.stat().st_gid == gid
        for d in (path.parent, path.parent.parent, st.root):
            assert _mode(d) == 0o750, d
        assert _mode(st.spool_dir) == 0o700  # uploads in progress are nobody else's
        private = FilesystemStorage(tmp_path / "other", "plans")
        p2 = private.path(private.put(io.BytesIO(b"x"), limit=10).sha256)
        assert _mode(p2) == 0o600 and _mode(p2.parent) == 0o700
    finally:
        os.umask(old)


def test_start_up_tightening_spares_the_shared_files_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("STORAGE_GROUP_ID", str(os.getgid()))
    st = make_storage("evaluation")
    assert isinstance(st, FilesystemStorage) and st.group_id == os.getgid()
    old = os.umask(0o022)
    try:
        path = st.path(st.put(io.BytesIO(b"materials"), limit=100).sha256)
        secret = data / "secrets"
        secret.write_text("s")
        secret.chmod(0o644)
    finally:
        os.umask(old)
    private_files(data)
    assert _mode(secret) == 0o600
    assert _mode(path) == 0o640 and _mode(path.parent) == 0o750
    monkeypatch.delenv("STORAGE_GROUP_ID")
    private_files(data)  # without the group, nothing is shared
    assert _mode(path) == 0o600
