"""Where uploaded files live: one interface, two backends (the local filesystem under ``DATA_DIR``, or an
S3-compatible object store through boto3), content-addressed by SHA-256.

A file comes in as a stream and is written to a temporary file while it is hashed (``spool``/``aspool``), in
chunks of 1 MiB, so an upload's memory does not grow with its size; an upload that ends early, runs past its
limit or fails on the way leaves nothing behind. ``commit`` then moves the temporary file into place
atomically (a rename on the filesystem, a single or multipart upload to S3 under the hash); committing content
that is already stored changes nothing but the object's time (which orphan cleanup reads). Objects are read in
chunks. Downloads: a presigned URL on S3, an ``X-Accel-Redirect`` for nginx on the filesystem when
``STORAGE_ACCEL_PREFIX`` is set, and a streamed ``FileResponse`` otherwise (``make run``, tests).

Each service uses its own namespace (a folder, or a key prefix), so that its attachment table alone decides
whether a stored object is still referenced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
from starlette.responses import FileResponse, RedirectResponse, Response

from sanquan_kernel.errors import NotFound, PayloadTooLarge, ServiceUnavailable, Unprocessable
from sanquan_kernel.storage.names import content_disposition, download_headers

#: Read and write in chunks of this size (1 MiB): large enough for throughput, small against any limit.
CHUNK = 1 << 20
#: The bytes given to ``limit`` (when it is a function) to decide the limit from the content's kind.
HEAD = 8192
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def stat_mode(mode: int) -> int:
    return stat.S_IMODE(mode)


def check_sha256(sha256: str) -> str:
    """A stored object's name is its hash in lower-case hex, and nothing else (never a path)."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise NotFound("No such file")
    return sha256


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def too_large(limit: int, what: str = "file") -> PayloadTooLarge:
    return PayloadTooLarge(f"The {what} is larger than the limit of {_mb(limit)}", limit=limit, code="file_too_large")


@dataclass
class Spooled:
    """An upload written to a temporary file with its SHA-256 and size. Discarded when its ``with`` block ends
    unless a backend committed it (then the file has moved and ``path`` is None)."""

    path: Path | None
    sha256: str
    size: int
    head: bytes = field(repr=False, default=b"")

    def open(self) -> IO[bytes]:
        if self.path is None:
            raise RuntimeError("the spooled file was committed or discarded")
        return self.path.open("rb")

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.path = None

    def __enter__(self) -> Spooled:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


class _Writer:
    """A temporary file being written and hashed, with the limit checked as bytes arrive (the limit can depend on
    the first ``HEAD`` bytes: a JPEG's limit is not a PDF's) and the size checked against what was declared."""

    def __init__(self, directory: Path, limit: int | Callable[[bytes], int], expected_size: int | None) -> None:
        self._limit_fn = limit if callable(limit) else None
        self.limit = limit if isinstance(limit, int) else None
        if expected_size is not None:
            if expected_size < 0:
                raise Unprocessable("The declared size of the upload is negative", code="bad_size")
            if self.limit is not None and expected_size > self.limit:
                raise too_large(self.limit)
        self.expected = expected_size
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-", suffix=".part")
        self.path = Path(name)
        self.file = os.fdopen(fd, "wb")
        self.hash = hashlib.sha256()
        self.size = 0
        self.head = b""

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.limit is None and self._limit_fn is not None:
            self.head += chunk[: HEAD - len(self.head)]
            if len(self.head) >= HEAD:
                self._decide()
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            raise too_large(self.limit)
        if self.expected is not None and self.size > self.expected:
            raise Unprocessable(
                f"The upload is longer than the {self.expected:,} bytes it declared", code="size_mismatch"
            )
        self.hash.update(chunk)
        self.file.write(chunk)

    def _decide(self) -> None:
        assert self._limit_fn is not None
        self.limit = self._limit_fn(self.head)
        if self.size > self.limit or (self.expected is not None and self.expected > self.limit):
            raise too_large(self.limit)

    def finish(self) -> Spooled:
        if self.limit is None and self._limit_fn is not None and self.size:
            self._decide()
        if self.expected is not None and self.size != self.expected:
            raise Unprocessable(
                f"The upload ended after {self.size:,} of the {self.expected:,} bytes it declared; nothing was stored",
                code="upload_incomplete",
            )
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        head = self.head
        if not head:
            with self.path.open("rb") as f:
                head = f.read(HEAD)
        return Spooled(self.path, self.hash.hexdigest(), self.size, head[:HEAD])

    def abort(self) -> None:
        self.file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _chunks(source: IO[bytes] | Iterable[bytes]) -> Iterator[bytes]:
    read = getattr(source, "read", None)
    if read is not None:
        while chunk := read(CHUNK):
            yield chunk
    else:
        yield from source


class Storage(ABC):
    """Content-addressed object storage of one service (its ``namespace``)."""

    def __init__(self, namespace: str, spool_dir: Path) -> None:
        if not _NAMESPACE.fullmatch(namespace):
            raise ValueError(f"bad storage namespace {namespace!r}")
        self.namespace = namespace
        self.spool_dir = spool_dir

    # -- writing -----------------------------------------------------------------------------------------------
    def spool(
        self,
        source: IO[bytes] | Iterable[bytes],
        *,
        limit: int | Callable[[bytes], int],
        expected_size: int | None = None,
    ) -> Spooled:
        """Write ``source`` (a binary file or an iterable of chunks) to a temporary file, hashing it. ``limit``:
        the most bytes accepted, or a function of the first bytes giving it. ``expected_size``: what the client
        declared (Content-Length): more, or fewer when the stream ends, is refused. On any error nothing is left."""
        w = _Writer(self.spool_dir, limit, expected_size)
        try:
            for chunk in _chunks(source):
                w.feed(chunk)
            return w.finish()
        except BaseException:
            w.abort()
            raise

    async def aspool(
        self,
        source: AsyncIterable[bytes],
        *,
        limit: int | Callable[[bytes], int],
        expected_size: int | None = None,
    ) -> Spooled:
        """``spool`` for an async stream (``request.stream()``); the disk writes run in a worker thread, in
        batches of about 1 MiB. A client that disconnects (the stream raises) leaves nothing behind."""
        w = await anyio.to_thread.run_sync(_Writer, self.spool_dir, limit, expected_size)
        try:
            batch: list[bytes] = []
            pending = 0
            async for chunk in source:
                batch.append(chunk)
                pending += len(chunk)
                if pending >= CHUNK:
                    data, batch, pending = b"".join(batch), [], 0
                    await anyio.to_thread.run_sync(w.feed, data)
            await anyio.to_thread.run_sync(w.feed, b"".join(batch))
            return await anyio.to_thread.run_sync(w.finish)
        except BaseException:
            w.abort()
            raise

    def sweep_spool(self, older_than: float = 86400.0) -> int:
        """Remove temporary files older than ``older_than`` seconds: uploads a killed process or a cancelled
        request left behind (an upload being written is younger). The number removed."""
        if not self.spool_dir.is_dir():
            return 0
        cutoff = datetime.now(UTC).timestamp() - older_than
        removed = 0
        for path in self.spool_dir.glob("upload-*.part"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    @abstractmethod
    def commit(self, spooled: Spooled) -> Blob:
        """Store the spooled file under its hash, atomically; the temporary file is consumed. Idempotent."""

    async def acommit(self, spooled: Spooled) -> Blob:
        """``commit`` in a worker thread (an upload to S3 takes a while)."""
        return await anyio.to_thread.run_sync(self.commit, spooled)

    def put(self, source: IO[bytes] | Iterable[bytes], *, limit: int) -> Blob:
        """``spool`` and ``commit`` in one (content already checked, e.g. a file the service made itself)."""
        with self.spool(source, limit=limit) as spooled:
            return self.commit(spooled)

    # -- reading -----------------------------------------------------------------------------------------------
    @abstractmethod
    def open(self, sha256: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """The stored object as a binary file (read it in chunks); NotFound when it is not stored."""

    def iter_chunks(self, sha256: str, chunk: int = CHUNK) -> Iterator[bytes]:
        with self.open(sha256) as f:
            while data := f.read(chunk):
                yield data

    @abstractmethod
    def stat(self, sha256: str) -> tuple[int, datetime] | None:
        """The object's size and last write (or touch), or None when it is not stored."""

    def exists(self, sha256: str) -> bool:
        return self.stat(sha256) is not None

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove the object (no error when it is not there)."""

    # -- downloads ---------------------------------------------------------------------------------------------
    @abstractmethod
    def download(
        self, sha256: str, *, filename: str, media_type: str, inline: bool = False, size: int | None = None
    ) -> Response:
        """The response that delivers the object to a browser without passing it through Python when deployed."""


class FilesystemStorage(Storage):
    """Objects under ``root/<namespace>/ab/cd/<sha256>``; temporary files in ``root/<namespace>/.tmp`` (the same
    filesystem, so that the final rename is atomic). With ``accel_prefix`` (e.g. ``/_files/``, an nginx
    ``internal`` location aliased to ``root``) downloads are handed to nginx with ``X-Accel-Redirect``."""

    def __init__(
        self, root: Path, namespace: str, *, accel_prefix: str | None = None, group_id: int | None = None
    ) -> None:
        super().__init__(namespace, root / namespace / ".tmp")
        self.root = root / namespace
        if accel_prefix is not None and not (accel_prefix.startswith("/") and accel_prefix.endswith("/")):
            raise ValueError("STORAGE_ACCEL_PREFIX must start and end with '/' (e.g. /_files/)")
        self.accel_prefix = accel_prefix
        #: ``STORAGE_GROUP_ID``: stored objects are readable by this group (nginx serving X-Accel-Redirect runs
        #: in it), directories 0750 and files 0640; temporary files stay the process's own (0600).
        self.group_id = group_id

    def _share(self, target: Path) -> None:
        """Give the group read access to ``target`` and the directories above it up to the storage root."""
        assert self.group_id is not None
        for path, mode in ((target, 0o640), *((d, 0o750) for d in (target.parent, target.parent.parent, self.root))):
            st = path.stat()
            if st.st_gid != self.group_id:
                os.chown(path, -1, self.group_id)
            if stat_mode(st.st_mode) != mode:
                path.chmod(mode)

    def _relative(self, sha256: str) -> str:
        check_sha256(sha256)
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def path(self, sha256: str) -> Path:
        return self.root / self._relative(sha256)

    def commit(self, spooled: Spooled) -> Blob:
        if spooled.path is None:
            raise RuntimeError("the spooled file was committed or discarded")
        target = self.path(spooled.sha256)
        try:
            os.utime(target)  # seen again: orphan cleanup must not take it now
            spooled.discard()
        except FileNotFoundError:  # not stored (or removed just now): store it
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            spooled.path.replace(target)  # atomic; a concurrent commit of the same content writes the same bytes
            spooled.path = None
            if self.group_id is not None:
                self._share(target)
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return Blob(spooled.sha256, spooled.size)

    @contextlib.contextmanager
    def open(self, sha256: str) -> Iterator[IO[bytes]]:
        try:
            f = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFound("The file's content is not in storage") from None
        with f:
            yield f

    def stat(self, sha256: str) -> tuple[int, datetime] | None:
        try:
            st = self.path(sha256).stat()
        except FileNotFoundError:
            return None
        return st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(sha256).unlink()

    def download(
        self, sha256: str, *, filename: str, media_type: str, inline: bool = False, size: int | None = None
    ) -> Response:
        path = self.path(sha256)
        headers = download_headers(filename, inline=inline, media_type=media_type)
        if self.accel_prefix is not None:
            # nginx serves the file from its internal location, with the Content-Type and Content-Disposition
            # given here; Python sends only these headers.
            headers["X-Accel-Redirect"] = f"{self.accel_prefix}{self.namespace}/{self._relative(sha256)}"
            return Response(status_code=200, media_type=media_type, headers=headers)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise NotFound("The file's content is not in storage") from None
        return FileResponse(path, media_type=media_type, headers=headers, stat_result=stat)


class S3Storage(Storage):
    """Objects in an S3-compatible bucket under ``<namespace>/<sha256>``; temporary files on local disk
    (``spool_dir``) until they are uploaded (multipart past 8 MiB, two parts in flight at most, so the memory
    an upload takes stays about 16 MiB whatever its size). Downloads are presigned GET URLs (through
    ``public_url`` when browsers reach the store by another address than the services)."""

    PART = 8 * 1024 * 1024

    def __init__(
        self,
        *,
        bucket: str,
        namespace: str,
        spool_dir: Path,
        endpoint_url: str | None = None,
        public_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        presign_seconds: int = 300,
    ) -> None:
        import boto3
        from botocore.config import Config

        super().__init__(namespace, spool_dir)
        self.bucket = bucket
        self.presign_seconds = presign_seconds
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        )
        kw: dict[str, Any] = {
            "region_name": region,
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "config": config,
        }
        self.client = boto3.client("s3", endpoint_url=endpoint_url, **kw)
        self.presigner = boto3.client("s3", endpoint_url=public_url, **kw) if public_url else self.client

    def key(self, sha256: str) -> str:
        return f"{self.namespace}/{check_sha256(sha256)}"

    def _head(self, sha256: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))  # type: ignore[no-any-return]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise ServiceUnavailable("The file store is unavailable; try again shortly") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable("The file store is unavailable; try again shortly") from exc

    def commit(self, spooled: Spooled) -> Blob:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        if spooled.path is None:
            raise RuntimeError("the spooled file was committed or discarded")
        key = self.key(spooled.sha256)
        try:
            if self._head(spooled.sha256) is not None:
                # seen again: a copy onto itself renews its time, so orphan cleanup does not take it now
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=key,
                    CopySource={"Bucket": self.bucket, "Key": key},
                    Metadata={"sha256": spooled.sha256},
                    MetadataDirective="REPLACE",
                    ContentType="application/octet-stream",
                )
            else:
                config = TransferConfig(multipart_threshold=self.PART, multipart_chunksize=self.PART, max_concurrency=2)
                self.client.upload_file(
                    str(spooled.path),
                    self.bucket,
                    key,
                    ExtraArgs={"ContentType": "application/octet-stream", "Metadata": {"sha256": spooled.sha256}},
                    Config=config,
                )
        except (BotoCoreError, ClientError) as exc:
            raise ServiceUnavailable("The file store is unavailable; try again shortly") from exc
        finally:
            spooled.discard()
        return Blob(spooled.sha256, spooled.size)

    @contextlib.contextmanager
    def open(self, sha256: str) -> Iterator[IO[bytes]]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise NotFound("The file's content is not in storage") from None
            raise ServiceUnavailable("The file store is unavailable; try again shortly") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable("The file store is unavailable; try again shortly") from exc
        try:
            yield body
        finally:
            body.close()

    def stat(self, sha256: str) -> tuple[int, datetime] | None:
        head = self._head(sha256)
        if head is None:
            return None
        return int(head["ContentLength"]), head["LastModified"].astimezone(UTC)

    def delete(self, sha256: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        except (BotoCoreError, ClientError) as exc:
            raise ServiceUnavailable("The file store is unavailable; try again shortly") from exc

    def download_url(self, sha256: str, *, filename: str, media_type: str, inline: bool = False) -> str:
        """A presigned GET URL valid for ``presign_seconds``, with the response's Content-Type and
        Content-Disposition fixed in its signature."""
        url: str = self.presigner.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.key(sha256),
                "ResponseContentType": media_type,
                "ResponseContentDisposition": content_disposition(filename, inline=inline),
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=self.presign_seconds,
        )
        return url

    def download(
        self, sha256: str, *, filename: str, media_type: str, inline: bool = False, size: int | None = None
    ) -> Response:
        url = self.download_url(sha256, filename=filename, media_type=media_type, inline=inline)
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})


def make_storage(namespace: str, settings: Any = None) -> Storage:
    """The storage of ``namespace`` (the service's name) as configured (``StorageSettings``)."""
    from sanquan_kernel.settings import StorageSettings

    s = settings or StorageSettings()
    if s.storage_backend == "s3":
        return S3Storage(
            bucket=s.s3_bucket,
            namespace=namespace,
            spool_dir=s.root() / "tmp" / namespace,
            endpoint_url=s.s3_endpoint_url,
            public_url=s.s3_public_url,
            region=s.s3_region,
            access_key_id=s.s3_access_key_id,
            secret_access_key=s.s3_secret_access_key,
            presign_seconds=s.s3_presign_seconds,
        )
    return FilesystemStorage(s.root(), namespace, accel_prefix=s.storage_accel_prefix, group_id=s.storage_group_id)
