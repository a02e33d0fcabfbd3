"""Both document stores, the same contract: local files and S3 (moto's server, real HTTP)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time

import pytest

from procure.storage import LocalStore, S3Store, TooLarge, store_from_config


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStore(tmp_path / "uploads")
    endpoint, bucket = request.getfixturevalue("s3_bucket")
    return S3Store(bucket, endpoint_url=endpoint)


def test_round_trip_and_same_content_once(store):
    data = b"%PDF-1.7 a response" * 1000
    first = store.put(io.BytesIO(data))
    again = store.put(io.BytesIO(data))
    assert first == again and first.sha256 == hashlib.sha256(data).hexdigest()
    assert store.open(first.sha256).read() == data
    assert store.exists(first.sha256) and store.size(first.sha256) == len(data)
    assert list(store.iter_hashes()) == [first.sha256]
    with store.local_copy(first.sha256) as path:
        assert path.read_bytes() == data
        kept = path
    assert kept.exists() == isinstance(store, LocalStore)   # S3's temporary copy is gone
    store.delete(first.sha256)
    assert not store.exists(first.sha256)


def test_too_large_leaves_nothing(store, tmp_path):
    with pytest.raises(TooLarge, match="limit of 0.5 MB"):
        store.put(io.BytesIO(b"x" * 600_000), max_bytes=512 * 1024)
    assert list(store.iter_hashes()) == []
    if isinstance(store, LocalStore):
        assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_too_large_says_the_limit_and_that_nothing_was_stored(store):
    """The words a bidder reads when their file passes a 1 MB limit (exactly 1, not 0.999)."""
    with pytest.raises(TooLarge) as refused:
        store.put(io.BytesIO(b"x" * (1024 * 1024 + 1)), max_bytes=1024 * 1024)
    assert str(refused.value) == ("The file is larger than the limit of 1 MB. Nothing was "
                                  "stored; upload a smaller file.")
    stored = store.put(io.BytesIO(b"x" * (1024 * 1024)), max_bytes=1024 * 1024)   # at the limit
    assert store.size(stored.sha256) == 1024 * 1024


@pytest.mark.parametrize("bad", ["../etc/passwd", "A" * 64, "abc", "0" * 63 + "/"])
def test_only_hashes_name_files(store, bad):
    with pytest.raises(ValueError, match="not a SHA-256 hex digest"):
        store.open(bad)
    with pytest.raises(ValueError, match="not a SHA-256 hex digest"):
        store.exists(bad)


def test_missing_file_is_a_clear_error(store):
    with pytest.raises(FileNotFoundError, match="is not in"):
        store.open("0" * 64)


def test_a_fresh_deployment_creates_its_upload_folder_on_the_first_upload(tmp_path):
    """The upload folder and the folders above it need not exist before the first file."""
    store = LocalStore(tmp_path / "srv" / "procure" / "uploads")
    stored = store.put(io.BytesIO(b"%PDF-1.7 the first"))
    assert store.open(stored.sha256).read() == b"%PDF-1.7 the first"


def test_local_partial_upload_is_not_listed_and_is_cleaned(tmp_path):
    store = LocalStore(tmp_path)
    partial = tmp_path / (LocalStore.TEMP_PREFIX + "dead")
    partial.write_bytes(b"half a file")
    os.utime(partial, (0, 0))
    assert list(store.iter_hashes()) == []
    assert store.cleanup_temp(older_than_seconds=60) == 1 and not partial.exists()


def test_recovery_removes_only_partial_uploads_older_than_its_grace(tmp_path):
    """Two uploads left half-written by a dead process long ago are removed and counted (the
    recovery reports the count); one another process is writing right now is left alone."""
    store = LocalStore(tmp_path)
    for name in ("dead-1", "dead-2", "writing-now"):
        (tmp_path / (LocalStore.TEMP_PREFIX + name)).write_bytes(b"part of a file")
    for name in ("dead-1", "dead-2"):
        old = time.time() - 7200
        os.utime(tmp_path / (LocalStore.TEMP_PREFIX + name), (old, old))
    assert store.cleanup_temp(older_than_seconds=3600) == 2
    assert [p.name for p in tmp_path.iterdir()] == [LocalStore.TEMP_PREFIX + "writing-now"]


def test_deleting_what_is_not_there_is_not_an_error(store):
    """Recovery may delete an orphan twice (or after another worker did): no error either way."""
    stored = store.put(io.BytesIO(b"%PDF-1.7 orphan"))
    store.delete(stored.sha256)
    store.delete(stored.sha256)
    store.delete("0" * 64)
    assert not store.exists(stored.sha256)


def test_age_of_a_stored_file_counts_from_when_it_was_stored(store):
    """Recovery removes files no row names only once they are older than its grace."""
    import time_machine
    stored = store.put(io.BytesIO(b"%PDF-1.7 aging"))
    with time_machine.travel(time.time() + 3600, tick=False):
        assert 3590 <= store.age_seconds(stored.sha256) <= 3700


def test_s3_objects_carry_their_sha256_and_type(s3_bucket):
    endpoint, bucket = s3_bucket
    store = S3Store(bucket, endpoint_url=endpoint)
    data = b"%PDF-1.7 in the bucket"
    stored = store.put(io.BytesIO(data))
    head = store.client.head_object(Bucket=bucket, Key=store.key(stored.sha256),
                                    ChecksumMode="ENABLED")
    assert head["ContentType"] == "application/pdf"
    assert base64.b64decode(head["ChecksumSHA256"]).hex() == hashlib.sha256(data).hexdigest()


def test_s3_stores_sharing_a_bucket_see_only_their_own_prefix(s3_bucket):
    """Objects live at documents/<sha256> (existing buckets are laid out so); another prefix in
    the same bucket (another deployment's) is not listed, even with a name that looks alike."""
    endpoint, bucket = s3_bucket
    ours = S3Store(bucket, endpoint_url=endpoint)
    theirs = S3Store(bucket, endpoint_url=endpoint, prefix="elsewhere/")   # same length
    mine = ours.put(io.BytesIO(b"%PDF-1.7 ours"))
    other = theirs.put(io.BytesIO(b"%PDF-1.7 theirs"))
    assert ours.key(mine.sha256) == "documents/" + mine.sha256
    ours.client.head_object(Bucket=bucket, Key="documents/" + mine.sha256)
    assert list(ours.iter_hashes()) == [mine.sha256]
    assert list(theirs.iter_hashes()) == [other.sha256]


def test_the_deployment_settings_choose_where_files_are_stored(tmp_path, s3_bucket):
    """No bucket set: files go under the upload folder. A bucket set: into it, at the prefix
    the settings name, `documents/` when they name none."""
    endpoint, bucket = s3_bucket
    local = store_from_config({"UPLOAD_FOLDER": str(tmp_path / "uploads"), "S3_BUCKET": ""})
    kept = local.put(io.BytesIO(b"%PDF-1.7 on disk"))
    sha = kept.sha256
    assert (tmp_path / "uploads" / sha[:2] / sha[2:4] / sha).read_bytes() == b"%PDF-1.7 on disk"

    settings = {"UPLOAD_FOLDER": str(tmp_path / "unused"), "S3_BUCKET": bucket,
                "S3_ENDPOINT_URL": endpoint}
    default = store_from_config({**settings, "S3_PREFIX": ""}).put(io.BytesIO(b"%PDF-1.7 a"))
    named = store_from_config({**settings, "S3_PREFIX": "agency-b/"}).put(io.BytesIO(b"%PDF-1.7 b"))
    import boto3
    bucket_client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    keys = {item["Key"] for item in bucket_client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {"documents/" + default.sha256, "agency-b/" + named.sha256}
    assert not (tmp_path / "unused").exists()


def test_s3_requests_are_signed_for_us_east_1_unless_a_region_is_set(s3_bucket, monkeypatch):
    """An S3-compatible server (MinIO) checks the region named in each request's signature and
    refuses another; with no region set anywhere, the store signs for us-east-1, MinIO's default.
    Watched on the requests as they leave (they still go to the server)."""
    endpoint, bucket = s3_bucket
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    store = S3Store(bucket, endpoint_url=endpoint)
    scopes = []
    store.client.meta.events.register(
        "before-send.s3", lambda request, **_: scopes.append(
            request.headers["Authorization"].decode().split("Credential=")[1].split(",")[0]))
    store.put(io.BytesIO(b"%PDF-1.7 signed"))
    assert scopes and all(scope.split("/")[2:4] == ["us-east-1", "s3"] for scope in scopes)
