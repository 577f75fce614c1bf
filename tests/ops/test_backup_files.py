"""``make backup`` / ``make restore`` carry the stored files (#16): a file uploaded through the training service's
attachment endpoint before the backup downloads byte-identical through the same endpoint after everything —
databases, DATA_DIR (keys, the files folder) and, on S3, the bucket's objects — was lost and restored. On SQLite
and PostgreSQL, with the filesystem store and with an S3 server (moto's, a real HTTP server)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt
from sanquan_kernel.storage import samples
from tests.ops.conftest import ROOT
from tests.ops.test_backup import data_dir_set, platform, populate, run_ops, wipe

__all__ = ["platform"]  # the fixture, used by name

A = "/api/training/attachments"
STORAGE_VARIABLES = ("STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with samples.s3_server() as url:
        yield url


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The storage variables of the platform (empty: the filesystem under DATA_DIR/files)."""
    if request.param == "filesystem":
        return {}
    url = request.getfixturevalue("s3_url")
    samples.s3_storage(url, tmp_path / "spool", "training")  # the bucket exists
    values = {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": url,
        "S3_BUCKET": samples.BUCKET,
        "S3_ACCESS_KEY_ID": "test-access",
        "S3_SECRET_ACCESS_KEY": "test-secret-key",
    }
    # Empty of every namespace: moto keeps one state per process, other tests' objects may be in the bucket.
    lose_the_bucket(values)
    return values


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in STORAGE_VARIABLES}
    for k in STORAGE_VARIABLES:
        os.environ.pop(k, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def training(env: dict[str, str], url: str, store: dict[str, str]) -> Iterator[TestClient]:
    """The training service on ``url`` with the platform's DATA_DIR and storage, as a client."""
    from training.config import Settings
    from training.main import create_app

    with data_dir_set(env["DATA_DIR"]), environment(store):
        app = create_app(
            Settings(database_url=url, environment="test"),
            authenticator=kt.make_authenticator(),
            orgdir=kt.sample_orgdir(),
            start_sync=False,
        )
        try:
            with TestClient(app) as client:
                yield client
        finally:
            app.state.kernel.engine.dispose()


def download(client: TestClient, attachment_id: int) -> bytes:
    r = client.get(f"{A}/{attachment_id}/content", headers=kt.staff(400), follow_redirects=False)
    if r.status_code == 307:  # S3: a presigned URL, fetched like a browser would
        r = httpx.get(r.headers["location"])
    assert r.status_code == 200, r.text
    return r.content


def lose_the_bucket(store: dict[str, str]) -> None:
    st = samples.s3_storage(store["S3_ENDPOINT_URL"], Path("/nonexistent"), "training")
    for page in st.client.get_paginator("list_objects_v2").paginate(Bucket=samples.BUCKET):
        for obj in page.get("Contents", []):
            st.client.delete_object(Bucket=samples.BUCKET, Key=obj["Key"])


def test_an_uploaded_file_downloads_byte_identical_after_a_restore_into_an_empty_data_dir(
    platform: tuple[dict[str, str], dict[str, str]],
    store: dict[str, str],
    tmp_path: Path,
) -> None:
    env, urls = platform
    if store and "postgresql" in next(iter(urls.values())):
        pytest.skip("the backends are independent: S3 is run with SQLite, PostgreSQL with the filesystem")
    env = {**{k: v for k, v in env.items() if k not in STORAGE_VARIABLES}, **store}
    data = Path(env["DATA_DIR"])
    populate(env, urls)
    files = {"食品安全证书.pdf": samples.pdf(), "培训签到表.docx": samples.docx()}
    with training(env, urls["training"], store) as client:
        uploaded = {}
        for name, body in files.items():
            r = client.post(f"{A}?filename={quote(name)}", content=body, headers=kt.staff(400))
            assert r.status_code == 201, r.text
            uploaded[name] = r.json()
            assert download(client, uploaded[name]["id"]) == body
    if not store:
        assert len([p for p in (data / "files" / "training").rglob("*") if p.is_file()]) == 2

    backups = tmp_path / "backups"
    folder = Path(run_ops(env, "backup", "--dest", str(backups)).strip())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"]["objects"] == 2 and manifest["files"]["corrupt"] == []
    for item in uploaded.values():
        kept = folder / "files" / "training" / item["sha256"][:2] / item["sha256"][2:4] / item["sha256"]
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == item["sha256"]
        assert oct(kept.stat().st_mode & 0o777) == "0o600"
    # A second backup links the unchanged objects instead of copying them again.
    again = Path(run_ops(env, "backup", "--dest", str(backups)).strip())
    assert json.loads((again / "manifest.json").read_text())["files"]["linked"] == 2

    # Everything lost: the databases, the whole DATA_DIR, the bucket's objects.
    wipe(urls, data)
    shutil.rmtree(data)
    if store:
        lose_the_bucket(store)
    with training(env, urls["training"], store) as client:
        gone = client.get(f"{A}/{uploaded['食品安全证书.pdf']['id']}/content", headers=kt.staff(400))
        assert gone.status_code in (404, 500, 503)  # no table, or no row: the file is not there

    run_ops(env, "restore", str(folder))
    with training(env, urls["training"], store) as client:
        for name, item in uploaded.items():
            meta = client.get(f"{A}/{item['id']}", headers=kt.staff(400))
            assert meta.status_code == 200 and meta.json()["name"] == name
            assert download(client, item["id"]) == files[name]


def test_a_backup_object_that_does_not_match_its_hash_stops_the_restore_before_the_databases(
    platform: tuple[dict[str, str], dict[str, str]],
    tmp_path: Path,
) -> None:
    env, urls = platform
    env = {k: v for k, v in env.items() if k not in STORAGE_VARIABLES}
    populate(env, urls)
    with training(env, urls["training"], {}) as client:
        r = client.post(f"{A}?filename=a.pdf", content=samples.pdf(), headers=kt.staff(400))
        assert r.status_code == 201, r.text
        sha = r.json()["sha256"]
    folder = Path(run_ops(env, "backup", "--dest", str(tmp_path / "backups")).strip())
    kept = folder / "files" / "training" / sha[:2] / sha[2:4] / sha
    kept.chmod(0o600)
    kept.write_bytes(kept.read_bytes().replace(b"%%EOF", b"%%EOX"))  # bit rot in the backup
    stored = Path(env["DATA_DIR"]) / "files"
    shutil.rmtree(stored)

    result = subprocess.run(
        [sys.executable, "ops/backup.py", "restore", "--no-safety-backup", str(folder)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "do not match their SHA-256" in result.stderr and sha in result.stderr
    # Nothing stored under a wrong name, and the databases were not touched (the rows are still there).
    assert [p for p in stored.rglob("*") if p.is_file() and p.parent.name != ".tmp"] == []
    with training(env, urls["training"], {}) as client:
        assert client.get(f"{A}/{r.json()['id']}", headers=kt.staff(400)).status_code == 200


def test_compose_backups_stream_the_files_from_a_service_that_mounts_the_store() -> None:
    """make compose-backup / compose-restore run the kernel's files backup in the plans container: that container
    must hold the whole store (the shared files volume at DATA_DIR/files) or use S3."""
    from tests.ops.conftest import load_compose

    make = (ROOT / "ops" / "make.mk").read_text()
    assert "$(COMPOSE) exec -T plans python -m sanquan_kernel.storage.backup export > $$dir/files.tar" in make
    assert "--entrypoint python plans -m sanquan_kernel.storage.backup import" in make
    plans = load_compose()["services"]["plans"]
    s3 = plans.get("environment", {}).get("STORAGE_BACKEND") == "s3"
    assert s3 or "files:/data/files" in plans.get("volumes", []), "the plans container does not see the stored files"
    for other in ("training", "evaluation"):
        service = load_compose()["services"][other]
        assert s3 or "files:/data/files" in service.get("volumes", []), f"{other} stores its files elsewhere"
