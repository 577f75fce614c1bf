"""Backups of the stored files (issue #16): every object of every service's namespace, out of the configured store
and back into it, whatever the backend.

A backup of the files is a folder laid out like the filesystem store, ``<namespace>/ab/cd/<sha256>``, so that it
can be read without this code and restored into either backend (a filesystem backup into S3 and back). Objects are
content-addressed and never change, so:

- ``export_tree`` hard-links an object from the previous backup when it is there with the same size (a daily
  backup of a large store costs only what is new) and copies the others, checking on the way that each object's
  content still has its name's SHA-256 (a mismatch is reported, and the object still copied: nothing is dropped);
- ``import_tree`` puts each object back through the storage interface itself (``Storage.spool`` hashes it on the
  way, ``commit`` is a rename on the filesystem or a single or multipart upload to S3): an object whose content
  does not match its name is refused and reported, never committed. Objects already stored are skipped; nothing
  is deleted from the store. Both directions copy eight objects at a time (each waits on an fsync or a request).

``export_tar`` / ``import_tar`` stream the same layout as a tar archive through stdout/stdin, for ``make
compose-backup`` (which runs ``python -m sanquan_kernel.storage.backup export`` inside a service container, so it
reaches the store the deployment uses: a volume or the S3 bucket).

Temporary upload files (``.tmp``, ``tmp/``) and anything that is not an object are left out."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import sys
import tarfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sanquan_kernel.storage.backends import CHUNK, FilesystemStorage, S3Storage, Storage, make_storage

_OBJECT = re.compile(r"([a-z0-9][a-z0-9_-]{0,39})/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
_S3_KEY = re.compile(r"([a-z0-9][a-z0-9_-]{0,39})/([0-9a-f]{64})")
#: Objects copied at once: each one waits on its own fsync (filesystem) or HTTP request (S3).
WORKERS = 8
_LOCK = threading.Lock()


@dataclass
class Stats:
    """What a backup or restore of the files did."""

    backend: str = ""
    objects: int = 0
    bytes: int = 0
    copied: int = 0
    linked: int = 0
    skipped: int = 0
    corrupt: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "objects": self.objects,
            "bytes": self.bytes,
            "copied": self.copied,
            "linked": self.linked,
            "skipped": self.skipped,
            "corrupt": self.corrupt,
        }


class _Stores:
    """One storage per namespace, made on first use (from several threads)."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.made: dict[str, Storage] = {}

    def get(self, namespace: str) -> Storage:
        with _LOCK:
            if namespace not in self.made:
                self.made[namespace] = make_storage(namespace, self.settings)
            return self.made[namespace]


def relative(namespace: str, sha256: str) -> str:
    return f"{namespace}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _settings(settings: Any) -> Any:
    from sanquan_kernel.settings import StorageSettings

    return settings or StorageSettings()


def _any_storage(settings: Any) -> Storage:
    return make_storage("backup", settings)


def iter_objects(settings: Any = None) -> Iterator[tuple[str, str, int]]:
    """(namespace, sha256, size) of every stored object, in a stable order."""
    s = _settings(settings)
    store = _any_storage(s)
    if isinstance(store, S3Storage):
        pages = store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket)
        for page in pages:
            for item in page.get("Contents", []):
                m = _S3_KEY.fullmatch(item["Key"])
                if m:
                    yield m.group(1), m.group(2), int(item["Size"])
        return
    root: Path = s.root()
    if not root.is_dir():
        return
    for path in sorted(root.glob("*/??/??/*")):
        m = _OBJECT.fullmatch(path.relative_to(root).as_posix())
        if m and m.group(2) + m.group(3) == m.group(4)[:4] and path.is_file():
            yield m.group(1), m.group(4), path.stat().st_size


def _copy_checked(source: IO[bytes], target: Path) -> str:
    """Copy in chunks into ``target`` (0600); the content's SHA-256."""
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def export_tree(dest: Path, *, previous: Path | None = None, settings: Any = None) -> Stats:
    """Every stored object into ``dest`` (created, 0700), hard-linked from ``previous`` (an earlier backup's
    files folder) when it holds the same object."""
    s = _settings(settings)
    stats = Stats(backend=s.storage_backend)
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    stores = _Stores(s)

    def one(item: tuple[str, str, int]) -> None:
        namespace, sha, size = item
        rel = relative(namespace, sha)
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        old = previous / rel if previous is not None else None
        if old is not None and old.is_file() and old.stat().st_size == size:
            with contextlib.suppress(OSError):
                os.link(old, target)
                with _LOCK:
                    stats.objects, stats.bytes, stats.linked = stats.objects + 1, stats.bytes + size, stats.linked + 1
                return
        with stores.get(namespace).open(sha) as f:
            ok = _copy_checked(f, target) == sha
        with _LOCK:
            stats.objects, stats.bytes, stats.copied = stats.objects + 1, stats.bytes + size, stats.copied + 1
            if not ok:
                stats.corrupt.append(rel)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, iter_objects(s)))
    stats.corrupt.sort()
    return stats


def _put(store: Storage, namespace: str, sha: str, source: IO[bytes], size: int, stats: Stats) -> None:
    """Store ``source`` under ``sha`` unless it is there; refused (reported) when its content has another hash:
    spooled and hashed first, committed only when the hash is its name."""
    with _LOCK:
        stats.objects += 1
        stats.bytes += size
    if store.exists(sha):
        with _LOCK:
            stats.skipped += 1
        return
    with store.spool(source, limit=max(size, 1)) as spooled:
        if spooled.sha256 != sha:
            with _LOCK:
                stats.corrupt.append(relative(namespace, sha))
            return
        store.commit(spooled)
    with _LOCK:
        stats.copied += 1


def import_tree(src: Path, settings: Any = None) -> Stats:
    """Every object of a backup's files folder into the configured store (missing ones only)."""
    s = _settings(settings)
    stats = Stats(backend=s.storage_backend)
    if not src.is_dir():
        return stats
    found = []
    for path in sorted(src.glob("*/??/??/*")):
        m = _OBJECT.fullmatch(path.relative_to(src).as_posix())
        if m and path.is_file() and not path.is_symlink():
            found.append((m.group(1), m.group(4), path))
    stores = _Stores(s)

    def one(item: tuple[str, str, Path]) -> None:
        namespace, sha, path = item
        with path.open("rb") as f:
            _put(stores.get(namespace), namespace, sha, f, path.stat().st_size, stats)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, found))
    stats.corrupt.sort()
    return stats


def export_tar(out: IO[bytes], settings: Any = None) -> Stats:
    """Every stored object as a tar stream (the same layout under ``files/``)."""
    s = _settings(settings)
    stats = Stats(backend=s.storage_backend)
    stores: dict[str, Storage] = {}
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for namespace, sha, size in iter_objects(s):
            store = stores.setdefault(namespace, make_storage(namespace, s))
            info = tarfile.TarInfo("files/" + relative(namespace, sha))
            info.size, info.mode = size, 0o600
            with store.open(sha) as f:
                tar.addfile(info, f)
            stats.objects += 1
            stats.bytes += size
            stats.copied += 1
    return stats


def import_tar(inp: IO[bytes], settings: Any = None) -> Stats:
    """The objects of a tar stream made by ``export_tar`` into the configured store; other members (links,
    devices, paths that are not objects) are ignored."""
    s = _settings(settings)
    stats = Stats(backend=s.storage_backend)
    stores: dict[str, Storage] = {}
    with tarfile.open(fileobj=inp, mode="r|") as tar:
        for member in tar:
            name = member.name.removeprefix("./").removeprefix("files/")
            m = _OBJECT.fullmatch(name)
            if not member.isfile() or not m:
                continue
            f = tar.extractfile(member)
            if f is None:
                continue
            namespace, sha = m.group(1), m.group(4)
            store = stores.setdefault(namespace, make_storage(namespace, s))
            _put(store, namespace, sha, f, member.size, stats)
    return stats


def filesystem_root(settings: Any = None) -> Path | None:
    """The store's folder when the backend is the filesystem (None on S3)."""
    s = _settings(settings)
    store = _any_storage(s)
    return Path(s.root()) if isinstance(store, FilesystemStorage) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sanquan_kernel.storage.backup", description="Back up or restore the stored files."
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("export", help="write every stored object as a tar stream to stdout")
    sub.add_parser("import", help="read a tar stream made by export from stdin into the store")
    args = parser.parse_args(argv)
    if args.cmd == "export":
        if sys.stdout.isatty():
            parser.error("stdout is a terminal: redirect it to a file")
        stats = export_tar(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        stats = import_tar(sys.stdin.buffer)
    print(json.dumps(stats.as_dict()), file=sys.stderr)
    if stats.corrupt:
        print(f"{len(stats.corrupt)} object(s) do not match their SHA-256: {stats.corrupt}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "Stats",
    "export_tar",
    "export_tree",
    "filesystem_root",
    "import_tar",
    "import_tree",
    "iter_objects",
    "main",
    "relative",
]
