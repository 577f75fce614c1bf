"""``make backup`` / ``make restore`` carry the stored files (#16): files uploaded through the attachment endpoints of
every service that keeps them (plans, training, evaluation) before the backup download byte-identical through the
same endpoints after everything — databases, DATA_DIR (keys, the files folder) and, on S3, the bucket's objects —
was lost and restored. On SQLite and PostgreSQL, with the filesystem store and with an S3 server (moto's, a real
HTTP server)."""

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
from typing import Any
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


def create_service(name: str, url: str) -> Any:
    """The app of service ``name`` on ``url`` (its own test wiring: sample organisations and accounts)."""
    extra: dict[str, Any] = {}
    if name == "training":
        from training.config import Settings
        from training.main import create_app
    elif name == "plans":
        from plans.config import Settings  # type: ignore[assignment]
        from plans.main import create_app  # type: ignore[assignment]

        extra = {"accounts": kt.sample_accounts()}
    else:
        from evaluation.config import Settings  # type: ignore[assignment]
        from evaluation.main import create_app  # type: ignore[assignment]

        extra = {"accounts": kt.sample_accounts()}
    return create_app(
        Settings(database_url=url, environment="test"),
        authenticator=kt.make_authenticator(),
        orgdir=kt.sample_orgdir(),
        start_sync=False,
        **extra,
    )


@contextmanager
def service(name: str, env: dict[str, str], urls: dict[str, str], store: dict[str, str]) -> Iterator[TestClient]:
    """Service ``name`` on its database with the platform's DATA_DIR and storage, as a client."""
    with data_dir_set(env["DATA_DIR"]), environment(store):
        app = create_service(name, urls[name])
        try:
            with TestClient(app) as client:
                yield client
        finally:
            app.state.kernel.engine.dispose()


def training(env: dict[str, str], url: str, store: dict[str, str]) -> Any:
    return service("training", env, {"training": url}, store)


def download(client: TestClient, attachment_id: int, prefix: str = A, headers: dict[str, str] | None = None) -> bytes:
    r = client.get(f"{prefix}/{attachment_id}/content", headers=headers or kt.staff(400), follow_redirects=False)
    if r.status_code == 307:  # S3: a presigned URL, fetched like a browser would
        r = httpx.get(r.headers["location"])
    assert r.status_code == 200, r.text
    return r.content


def lose_the_bucket(store: dict[str, str]) -> None:
    st = samples.s3_storage(store["S3_ENDPOINT_URL"], Path("/nonexistent"), "training")
    for page in st.client.get_paginator("list_objects_v2").paginate(Bucket=samples.BUCKET):
        for obj in page.get("Contents", []):
            st.client.delete_object(Bucket=samples.BUCKET, Key=obj["Key"])


#: What each service keeps, uploaded through its own endpoint by someone allowed to: (name, bytes) and the uploader
#: (an upload not yet attached is its uploader's alone). A photo is stored cleaned (re-encoded without EXIF): the
#: restore must give back what was stored, which the download before the backup shows.
UPLOADS: dict[str, tuple[list[tuple[str, bytes]], dict[str, str]]] = {
    "training": ([("食品安全证书.pdf", samples.pdf()), ("培训签到表.docx", samples.docx())], kt.staff(400)),
    "plans": (
        [("三全育人实施细则.docx", samples.docx(author="李四")), ("食堂改造.png", samples.png((80, 60), gps=True))],
        kt.university_admin(),
    ),
    "evaluation": ([("申报书.pdf", samples.pdf(author="王五"))], kt.department_manager(kt.DEPT_A1)),
}


def test_uploaded_files_of_every_service_download_byte_identical_after_a_restore_into_an_empty_data_dir(
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
    uploaded: dict[str, list[tuple[dict[str, Any], bytes]]] = {}  # service -> (its item, the bytes it sent back)
    for name, (files, who) in UPLOADS.items():
        prefix = f"/api/{name}/attachments"
        with service(name, env, urls, store) as client:
            uploaded[name] = []
            for filename, body in files:
                r = client.post(f"{prefix}?filename={quote(filename)}", content=body, headers=who)
                assert r.status_code == 201, r.text
                stored = download(client, r.json()["id"], prefix, who)
                assert stored == body or filename.endswith(".png"), filename
                uploaded[name].append((r.json(), stored))
    count = sum(len(files) for files, _ in UPLOADS.values())
    if not store:
        for name, (files, _) in UPLOADS.items():
            assert len([p for p in (data / "files" / name).rglob("*") if p.is_file()]) == len(files), name

    backups = tmp_path / "backups"
    folder = Path(run_ops(env, "backup", "--dest", str(backups)).strip())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"]["objects"] == count and manifest["files"]["corrupt"] == []
    for name, items in uploaded.items():
        for item, _ in items:
            sha = item["sha256"]
            kept = folder / "files" / name / sha[:2] / sha[2:4] / sha
            assert hashlib.sha256(kept.read_bytes()).hexdigest() == sha
            assert oct(kept.stat().st_mode & 0o777) == "0o600"
    # A second backup links the unchanged objects instead of copying them again.
    again = Path(run_ops(env, "backup", "--dest", str(backups)).strip())
    assert json.loads((again / "manifest.json").read_text())["files"]["linked"] == count

    # Everything lost: the databases, the whole DATA_DIR, the bucket's objects.
    wipe(urls, data)
    shutil.rmtree(data)
    if store:
        lose_the_bucket(store)
    with training(env, urls["training"], store) as client:
        gone = client.get(f"{A}/{uploaded['training'][0][0]['id']}/content", headers=kt.staff(400))
        assert gone.status_code in (404, 500, 503)  # no table, or no row: the file is not there

    run_ops(env, "restore", str(folder))
    for name, items in uploaded.items():
        prefix, who = f"/api/{name}/attachments", UPLOADS[name][1]
        with service(name, env, urls, store) as client:
            for item, stored in items:
                meta = client.get(f"{prefix}/{item['id']}", headers=who)
                assert meta.status_code == 200 and meta.json()["name"] == item["name"], (name, meta.text)
                assert download(client, item["id"], prefix, who) == stored, (name, item["name"])


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
    must hold the whole store in either mode — the shared files volume at DATA_DIR/files (STORAGE_BACKEND=filesystem)
    and the same bucket with the same account as the other two (s3, compose's default)."""
    from tests.ops.conftest import load_compose

    make = (ROOT / "ops" / "make.mk").read_text()
    assert "$(COMPOSE) exec -T plans python -m sanquan_kernel.storage.backup export > $$dir/files.tar" in make
    assert "--entrypoint python plans -m sanquan_kernel.storage.backup import" in make
    services = load_compose()["services"]
    plans = services["plans"]["environment"]
    assert plans["STORAGE_BACKEND"] == "${STORAGE_BACKEND:-s3}"
    for name in ("plans", "training", "evaluation"):
        service = services[name]
        assert "files:/data/files" in service.get("volumes", []), f"{name} stores its files elsewhere"
        env = service["environment"]
        for key in ("STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
            assert env[key] == plans[key], (name, key)
