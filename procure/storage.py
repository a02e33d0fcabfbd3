"""Where documents live: one interface, two backends, content-addressed by SHA-256.

A file is durable when `put` returns (local: fsync of the file and its folder; S3: the upload
acknowledged with its SHA-256 checksum verified by S3), so the database row that names it can be
committed after. File names from people are never used as paths: only the hash is."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class TooLarge(Exception):
    """The upload passed the size limit; nothing was kept."""


def check_sha256(value: str) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise ValueError(f"not a SHA-256 hex digest: {value!r}")
    return value


def _too_large(max_bytes: int) -> TooLarge:
    return TooLarge(f"The file is larger than the limit of {max_bytes / (1024 * 1024):.3g} MB. "
                    "Nothing was stored; upload a smaller file.")


def _spool(stream: BinaryIO, target: BinaryIO, max_bytes: int | None) -> StoredFile:
    """Copy in chunks while hashing; refuse past max_bytes."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise _too_large(max_bytes)
        digest.update(chunk)
        target.write(chunk)
    return StoredFile(digest.hexdigest(), size)


class Store(Protocol):
    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def size(self, sha256: str) -> int: ...
    def age_seconds(self, sha256: str) -> float: ...
    def delete(self, sha256: str) -> None: ...
    def iter_hashes(self) -> Iterator[str]: ...
    def local_copy(self, sha256: str) -> contextlib.AbstractContextManager[Path]: ...


class LocalStore:
    """Files under root/ab/cd/<sha256> (the embedded default: uploads/)."""

    TEMP_PREFIX = ".incoming-"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=self.TEMP_PREFIX, dir=self.root)
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                stored = _spool(stream, out, max_bytes)
                out.flush()
                os.fsync(out.fileno())
            final = self.path(stored.sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
            _fsync_dir(final.parent)
            return stored
        finally:
            temp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        path = self.path(sha256)
        if not path.exists():
            raise FileNotFoundError(f"document {sha256} is not in the store at {self.root}")
        return path.open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def age_seconds(self, sha256: str) -> float:
        return time.time() - self.path(sha256).stat().st_mtime

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def iter_hashes(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in self.root.glob("??/??/*"):
            if _SHA256.fullmatch(path.name):
                yield path.name

    @contextlib.contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        path = self.path(sha256)
        if not path.exists():
            raise FileNotFoundError(f"document {sha256} is not in the store at {self.root}")
        yield path

    def cleanup_temp(self, older_than_seconds: float = 3600) -> int:
        """Remove partial uploads left by a process that died mid-write."""
        removed, cutoff = 0, time.time() - older_than_seconds
        for temp in self.root.glob(self.TEMP_PREFIX + "*"):
            if temp.stat().st_mtime < cutoff:
                temp.unlink(missing_ok=True)
                removed += 1
        return removed


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3Store:
    """Objects at prefix + sha256 in a bucket, through boto3 (moto's server in the tests)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None,
                 prefix: str = "documents/", region_name: str = "us-east-1",
                 client: object | None = None) -> None:
        import boto3
        from botocore.config import Config
        self.bucket, self.prefix = bucket, prefix
        # A custom endpoint (moto, MinIO) wants path-style addressing.
        style = Config(s3={"addressing_style": "path"}) if endpoint_url else None
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url or None,
                                             region_name=region_name, config=style)

    def key(self, sha256: str) -> str:
        return self.prefix + check_sha256(sha256)

    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        with tempfile.TemporaryFile() as spool:
            stored = _spool(stream, spool, max_bytes)
            spool.seek(0)
            checksum = base64.b64encode(bytes.fromhex(stored.sha256)).decode()
            self.client.put_object(Bucket=self.bucket, Key=self.key(stored.sha256), Body=spool,
                                   ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum,
                                   ContentType="application/pdf")
        return stored

    def open(self, sha256: str) -> BinaryIO:
        from botocore.exceptions import ClientError
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        except ClientError as error:
            raise FileNotFoundError(f"document {sha256} is not in s3://{self.bucket}") from error

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except ClientError:
            return False

    def size(self, sha256: str) -> int:
        return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))["ContentLength"]

    def age_seconds(self, sha256: str) -> float:
        head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        return time.time() - head["LastModified"].timestamp()

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def iter_hashes(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if _SHA256.fullmatch(name):
                    yield name

    @contextlib.contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="procure-s3-") as folder:
            path = Path(folder) / sha256
            body = self.open(sha256)
            with path.open("wb") as out:
                while chunk := body.read(CHUNK):
                    out.write(chunk)
            yield path


def store_from_config(config: Mapping) -> Store:
    if config.get("S3_BUCKET"):
        return S3Store(config["S3_BUCKET"], endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                       prefix=config.get("S3_PREFIX") or "documents/")
    return LocalStore(config["UPLOAD_FOLDER"])
