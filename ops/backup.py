"""``make backup`` / ``make restore``: every process's database, the gateway's keys and secrets, and the stored
files (uploads, #16).

The databases are those the processes themselves use (``<NAME>_DATABASE_URL``, else SQLite in ``DATA_DIR``):
PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with ``pg_restore``; SQLite files are copied
with SQLite's online backup API (consistent while the platform runs). ``DATA_DIR/keys`` (the token signing key)
and ``DATA_DIR/secrets`` (service secrets of the embedded run) are copied too. The stored files go into
``files/`` laid out like the filesystem store (``<service>/ab/cd/<sha256>``), read from whichever backend is
configured (``STORAGE_BACKEND``: the folder under ``DATA_DIR/files``, or the S3 bucket through boto3), after the
databases (so every object a dumped row names is already stored), hard-linked from the previous backup when
unchanged and checked against their SHA-256 (``sanquan_kernel.storage.backup``).

A backup is a folder ``backups/<UTC timestamp>/`` with ``manifest.json``; restore takes such a folder, first
backs up the current state into ``backups/<timestamp>-pre-restore/``, puts back every file the store lacks
(through the storage interface, which checks each one's hash; nothing is deleted from the store), then replaces
every database. Stop the platform before restoring.

    python ops/backup.py backup [--dest backups]
    python ops/backup.py restore backups/20261126T010203Z
    python ops/backup.py list
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from sanquan_kernel.storage import backup as files_backup

ROOT = Path(__file__).resolve().parents[1]
#: Every process with a database, and where its settings live.
PROCESSES = {
    "gateway": "sanquan_gateway.config",
    "plans": "plans.config",
    "training": "training.config",
    "evaluation": "evaluation.config",
    "hall": "hall.config",
}
DATA_SUBDIRS = ("keys", "secrets")


@dataclass(frozen=True)
class Database:
    name: str
    url: URL

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.get_backend_name() == "sqlite" else "postgresql"

    @property
    def sqlite_path(self) -> Path:
        return Path(str(self.url.database)).resolve()

    def libpq(self) -> tuple[list[str], dict[str, str]]:
        """``--dbname`` without the password (it goes in PGPASSWORD, not on the command line)."""
        u = self.url.set(drivername="postgresql")
        env = dict(os.environ)
        if u.password is not None:
            env["PGPASSWORD"] = str(u.password)
        u = u.set(password=None)
        return ["--dbname", u.render_as_string(hide_password=False)], env

    def engine_url(self) -> URL:
        return self.url.set(drivername="postgresql+psycopg") if self.kind == "postgresql" else self.url


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", str(ROOT / "var"))).resolve()


def databases() -> list[Database]:
    """The database of each process, resolved exactly as the process resolves it (its Settings class)."""
    os.environ.setdefault("DATA_DIR", str(data_dir()))
    found = []
    for name, module in PROCESSES.items():
        settings = importlib.import_module(module).Settings()
        found.append(Database(name, make_url(settings.database_url)))
    return found


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({result.returncode}):\n{result.stderr.strip()}")


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _new_folder(dest: Path, suffix: str) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    stamp = _timestamp()
    for n in range(1, 1000):
        folder = dest / (stamp + suffix + (f"-{n}" if n > 1 else ""))
        try:
            folder.mkdir(mode=0o700)
            return folder
        except FileExistsError:
            continue
    raise SystemExit(f"cannot create a backup folder in {dest}")


def _previous_files(dest: Path, current: Path) -> Path | None:
    """The files folder of the newest earlier backup in ``dest`` (objects unchanged since are hard-linked)."""
    earlier = sorted(p.parent for p in dest.glob("*/files") if p.parent != current and p.is_dir())
    return earlier[-1] / "files" if earlier else None


def backup(dest: Path, *, suffix: str = "") -> Path:
    folder = _new_folder(dest, suffix)
    manifest: dict[str, object] = {"created": datetime.now(UTC).isoformat(), "databases": {}, "data": []}
    entries: dict[str, dict[str, str]] = {}
    for db in databases():
        if db.kind == "sqlite":
            if not db.sqlite_path.is_file():
                continue
            target = folder / f"{db.name}.db"
            src = sqlite3.connect(db.sqlite_path)
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        else:
            target = folder / f"{db.name}.dump"
            dbname, env = db.libpq()
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *dbname], env)
        target.chmod(0o600)
        entries[db.name] = {"kind": db.kind, "file": target.name}
    manifest["databases"] = entries
    copied = []
    for sub in DATA_SUBDIRS:
        src_dir = data_dir() / sub
        if src_dir.is_dir():
            shutil.copytree(src_dir, folder / "data" / sub)
            copied.append(sub)
    manifest["data"] = copied
    # After the databases: every object a dumped row names was stored before the row was committed.
    stats = files_backup.export_tree(folder / "files", previous=_previous_files(dest, folder))
    manifest["files"] = stats.as_dict()
    if stats.corrupt:
        print(
            f"warning: {len(stats.corrupt)} stored file(s) do not match their SHA-256: {stats.corrupt}", file=sys.stderr
        )
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def _wipe_postgresql(db: Database) -> None:
    """Drop every table, view, sequence and type of the public schema (what pg_restore --clean would miss:
    objects created by migrations newer than the backup)."""
    engine = create_engine(db.engine_url())
    try:
        with engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
                )
            ).all()
            kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
            for kind, name in rows:
                what = kinds.get(kind, "FOREIGN TABLE")
                conn.execute(text(f'DROP {what} IF EXISTS public."{name}" CASCADE'))
            types = conn.execute(
                text(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')"
                )
            ).scalars()
            for name in list(types):
                conn.execute(text(f'DROP TYPE IF EXISTS public."{name}" CASCADE'))
    finally:
        engine.dispose()


def restore(folder: Path, *, safety_backup: bool = True) -> Path | None:
    manifest = json.loads((folder / "manifest.json").read_text())
    entries: dict[str, dict[str, str]] = manifest["databases"]
    current = {db.name: db for db in databases()}
    for name, entry in entries.items():
        if name not in current:
            raise SystemExit(f"{name}: no such process")
        if current[name].kind != entry["kind"]:
            raise SystemExit(f"{name}: the backup is {entry['kind']}, the configured database {current[name].kind}")
    safety = backup(folder.parent, suffix="-pre-restore") if safety_backup else None
    # Files first: adding objects the store lacks is harmless if the restore stops half-way.
    if "files" in manifest:
        stats = files_backup.import_tree(folder / "files")
        if stats.corrupt:
            raise SystemExit(
                f"{len(stats.corrupt)} file(s) of the backup do not match their SHA-256 and were not restored: "
                f"{stats.corrupt}; the databases were left as they were"
            )
    for name, entry in entries.items():
        db = current[name]
        source = folder / entry["file"]
        if db.kind == "sqlite":
            path = db.sqlite_path
            path.parent.mkdir(parents=True, exist_ok=True)
            for extra in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                extra.unlink(missing_ok=True)
            shutil.copyfile(source, path)
            path.chmod(0o600)
        else:
            _wipe_postgresql(db)
            dbname, env = db.libpq()
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    *dbname,
                    str(source),
                ],
                env,
            )
    for sub in manifest.get("data", []):
        target = data_dir() / sub
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(folder / "data" / sub, target)
        target.chmod(0o700)
        for f in target.rglob("*"):
            if f.is_file():
                f.chmod(0o600)
    return safety


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ops/backup.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("backup", help="back up every database and the gateway's keys")
    b.add_argument("--dest", type=Path, default=ROOT / "backups")
    r = sub.add_parser("restore", help="restore a backup folder (stop the platform first)")
    r.add_argument("folder", type=Path)
    r.add_argument("--no-safety-backup", action="store_true", help="do not back up the current state first")
    ls = sub.add_parser("list", help="list the backups")
    ls.add_argument("--dest", type=Path, default=ROOT / "backups")
    args = parser.parse_args(argv)
    if args.cmd == "backup":
        print(backup(args.dest.resolve()))
    elif args.cmd == "restore":
        safety = restore(args.folder.resolve(), safety_backup=not args.no_safety_backup)
        if safety is not None:
            print(f"the state before the restore is in {safety}")
        print(f"restored {args.folder}")
    else:
        for folder in sorted(args.dest.glob("*/manifest.json")):
            manifest = json.loads(folder.read_text())
            entries = manifest["databases"]
            files = manifest.get("files", {})
            print(
                folder.parent.name,
                " ".join(f"{n}:{e['kind']}" for n, e in entries.items()),
                f"files:{files.get('objects', 0)}" if files else "",
            )


if __name__ == "__main__":
    main()
