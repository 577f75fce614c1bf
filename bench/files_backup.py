"""Backups of the stored files (#16, ``sanquan_kernel.storage.backup``): a store of N objects (default 2,000 of
100 KB, 200 MB) copied into a first backup (every object read, hashed, written), then a second backup the next
night (nothing new: every object hard-linked), side by side; then a restore into an empty store (every object
put back through the storage interface, hashed again). A plain ``cp -r`` of the same folder is the baseline.

    .venv/bin/python bench/files_backup.py [--objects 2000] [--kb 100]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from sanquan_kernel.settings import StorageSettings
from sanquan_kernel.storage import FilesystemStorage
from sanquan_kernel.storage import backup as files_backup


def timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--kb", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-files-backup-"))
    try:
        store_dir = work / "store"
        namespaces = ("plans", "training", "evaluation")
        for i in range(args.objects):
            st = FilesystemStorage(store_dir, namespaces[i % 3])
            body = os.urandom(args.kb * 1024)
            st.put(io.BytesIO(body), limit=len(body))
        total = args.objects * args.kb / 1024
        settings = StorageSettings(storage_dir=str(store_dir))
        print(f"{args.objects} objects of {args.kb} KB ({total:.0f} MiB) in 3 namespaces")
        _, cp = timed(lambda: subprocess.run(["cp", "-r", str(store_dir), str(work / "cp")], check=True))
        first, t1 = timed(lambda: files_backup.export_tree(work / "b1", settings=settings))
        second, t2 = timed(lambda: files_backup.export_tree(work / "b2", previous=work / "b1", settings=settings))
        print(f"cp -r (baseline)                 {cp:6.2f} s")
        print(f"first backup (copied, hashed)    {t1:6.2f} s  {t1 / cp:5.2f}x cp   copied {first.copied}")
        print(f"next backup (hard links)         {t2:6.2f} s  {t2 / cp:5.2f}x cp   linked {second.linked}")
        empty = StorageSettings(storage_dir=str(work / "restored"))
        restored, t3 = timed(lambda: files_backup.import_tree(work / "b1", settings=empty))
        print(f"restore into an empty store      {t3:6.2f} s  {t3 / cp:5.2f}x cp   put {restored.copied}")
        assert first.corrupt == second.corrupt == restored.corrupt == []
        assert restored.copied == args.objects
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
