"""The stored files' backup stream (#16): ``python -m sanquan_kernel.storage.backup export`` / ``import`` — what
``make compose-backup`` runs in a service container — moves every object of every namespace out of one store and
into another (filesystem -> S3 here, moto's real S3 server), leaves temporary and stray files out, and refuses an
object whose content does not match its name."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sanquan_kernel.storage import FilesystemStorage, samples
from sanquan_kernel.storage import backup as files_backup

S3_ENV = {"STORAGE_BACKEND": "s3", "S3_BUCKET": samples.BUCKET, "S3_ACCESS_KEY_ID": "test-access"}


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with samples.s3_server() as url:
        yield url


def run(args: list[str], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_", "S3_"))}
    return subprocess.run(
        [sys.executable, "-m", "sanquan_kernel.storage.backup", *args],
        env={**clean, **env},
        input=stdin,
        capture_output=True,
        check=False,
    )


def test_export_from_the_filesystem_and_import_into_s3(tmp_path: Path, s3_url: str) -> None:
    data = tmp_path / "var"
    bodies = {"plans": [b"%PDF-1.4 plan rules", os.urandom(9 * 1024 * 1024)], "evaluation": [b"nomination form"]}
    for namespace, items in bodies.items():
        store = FilesystemStorage(data / "files", namespace)
        for body in items:
            store.put(io.BytesIO(body), limit=len(body))
    # Not objects: a temporary upload, a stray file, a file named like a hash in the wrong folder.
    (data / "files" / "plans" / ".tmp").mkdir(parents=True, exist_ok=True)
    (data / "files" / "plans" / ".tmp" / "upload-1.part").write_bytes(b"half")
    (data / "files" / "README").write_text("not an object")
    (data / "files" / "plans" / "ff").mkdir(exist_ok=True)
    (data / "files" / "plans" / "ff" / ("0" * 64)).write_bytes(b"misplaced")

    out = run(["export"], {"DATA_DIR": str(data)})
    assert out.returncode == 0, out.stderr
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        names = tar.getnames()
    digests = [(ns, hashlib.sha256(b).hexdigest()) for ns, items in bodies.items() for b in items]
    expected = {"files/" + files_backup.relative(ns, sha) for ns, sha in digests}
    assert set(names) == expected

    s3 = samples.s3_storage(s3_url, tmp_path / "spool", "plans")
    samples.s3_storage(s3_url, tmp_path / "spool", "evaluation")
    env = {**S3_ENV, "S3_ENDPOINT_URL": s3_url, "S3_SECRET_ACCESS_KEY": "test-secret-key", "DATA_DIR": str(tmp_path)}
    got = run(["import"], env, out.stdout)
    assert got.returncode == 0, got.stderr
    for namespace, items in bodies.items():
        for body in items:
            key = f"{namespace}/{hashlib.sha256(body).hexdigest()}"
            assert s3.client.get_object(Bucket=samples.BUCKET, Key=key)["Body"].read() == body
    # Again: everything is already there, nothing is written twice.
    again = run(["import"], env, out.stdout)
    assert again.returncode == 0 and '"skipped": 3' in again.stderr.decode()
    for namespace in bodies:  # moto keeps one state per process: leave the bucket as other tests expect it
        samples.s3_storage(s3_url, tmp_path / "spool", namespace)


def test_an_object_whose_content_does_not_match_its_name_is_refused(tmp_path: Path) -> None:
    good, bad = b"a certificate", b"bit rot"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, body in (
            (files_backup.relative("training", hashlib.sha256(good).hexdigest()), good),
            (files_backup.relative("training", "ab" * 32), bad),
            ("../../etc/passwd", b"x"),
        ):
            info = tarfile.TarInfo("files/" + name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    data = tmp_path / "var"
    result = run(["import"], {"DATA_DIR": str(data)}, buf.getvalue())
    assert result.returncode == 1 and "ab" * 32 in result.stderr.decode()
    stored = sorted(p.name for p in (data / "files").rglob("*") if p.is_file())
    assert stored == [hashlib.sha256(good).hexdigest()]
    assert not (tmp_path / "etc").exists()
