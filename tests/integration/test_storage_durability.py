"""A stored document is durable when `put` returns, and never half there under its name.

The real LocalStore on a real folder: the calls it makes to the operating system are watched
(passed through, not replaced), and child processes are killed between its steps."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from procure import storage

DATA = os.urandom(3 * storage.CHUNK + 12345)       # several chunks
SHA = hashlib.sha256(DATA).hexdigest()


def _fd_path(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


class Watch:
    """Record fsync, replace and rename as they happen (each still does its real work)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, final: Path) -> None:
        self.calls: list[tuple] = []
        self.final = final
        real_fsync, real_replace, real_rename = os.fsync, os.replace, os.rename

        def fsync(fd):
            path = _fd_path(fd)
            size = os.fstat(fd).st_size
            self.calls.append(("fsync", path, size, os.path.isdir(path)))
            return real_fsync(fd)

        def replace(src, dst, *args, **kwargs):
            self.calls.append(("replace", os.fspath(src), os.fspath(dst),
                               os.path.exists(dst)))
            return real_replace(src, dst, *args, **kwargs)

        def rename(src, dst, *args, **kwargs):
            self.calls.append(("rename", os.fspath(src), os.fspath(dst), os.path.exists(dst)))
            return real_rename(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "rename", rename)


class Reader(io.RawIOBase):
    """The upload as it streams in; at each read, nothing may be under the final name yet."""

    def __init__(self, data: bytes, final: Path) -> None:
        self.source, self.final, self.reads = io.BytesIO(data), final, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert not self.final.exists(), "the final name appeared before the file was complete"
        self.reads += 1
        return self.source.read(size)


def test_put_writes_a_temporary_file_fsyncs_renames_and_fsyncs_the_folder(tmp_path, monkeypatch):
    store = storage.LocalStore(Path(os.path.realpath(tmp_path)) / "uploads")
    final = store.path(SHA)
    watch = Watch(monkeypatch, final)
    reader = Reader(DATA, final)
    stored = store.put(reader)
    assert stored == storage.StoredFile(SHA, len(DATA)) and reader.reads >= 4
    assert final.read_bytes() == DATA

    renames = [c for c in watch.calls if c[0] in ("replace", "rename")]
    assert len(renames) == 1, watch.calls
    _, temp, target, target_existed = renames[0]
    assert Path(target) == final and not target_existed
    assert Path(temp) != final and Path(temp).parent == store.root   # same file system
    assert not Path(temp).exists()
    at_rename = watch.calls.index(renames[0])
    # the temporary file was fsynced, complete, before it took its name
    assert ("fsync", temp, len(DATA), False) in watch.calls[:at_rename], watch.calls
    # the folder that now holds the name was fsynced after the rename
    assert [c for c in watch.calls[at_rename + 1:]
            if c[0] == "fsync" and c[1] == str(final.parent) and c[3]], watch.calls
    # nothing else was ever fsynced under the final name before the rename
    assert not [c for c in watch.calls[:at_rename] if c[0] == "fsync" and c[1] == str(final)]


def test_storing_the_same_content_again_replaces_it_the_same_way(tmp_path, monkeypatch):
    store = storage.LocalStore(Path(os.path.realpath(tmp_path)) / "uploads")
    store.put(io.BytesIO(DATA))
    final = store.path(SHA)
    watch = Watch(monkeypatch, final)
    store.put(io.BytesIO(DATA))
    fsynced_files = [c for c in watch.calls if c[0] == "fsync" and not c[3]]
    renames = [c for c in watch.calls if c[0] in ("replace", "rename")]
    assert [c[1] for c in fsynced_files] == [renames[0][1]] and renames[0][2] == str(final)
    assert final.read_bytes() == DATA
    assert [p.name for p in store.root.iterdir() if p.is_file()] == []   # no temporary left


def test_an_upload_streaming_in_is_a_temporary_the_recovery_knows(tmp_path):
    """While the bytes arrive they are in one file named as a partial upload (what
    `cleanup_temp` removes if the process dies), listed under no hash."""
    store = storage.LocalStore(tmp_path / "uploads")
    seen = []

    class Watched(io.RawIOBase):
        def __init__(self) -> None:
            self.source = io.BytesIO(DATA)

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            if self.source.tell():
                seen.append(([p.name for p in store.root.iterdir() if p.is_file()],
                             list(store.iter_hashes())))
            return self.source.read(size)

    store.put(Watched())
    assert seen and all(len(files) == 1 and files[0].startswith(storage.LocalStore.TEMP_PREFIX)
                        and hashes == [] for files, hashes in seen)


# ---------------------------------------------------------------- killed between the steps

CHILD = textwrap.dedent("""
    import io, os, signal, sys
    from procure import storage
    root, step = sys.argv[1], sys.argv[2]
    data = open(sys.argv[3], "rb").read()
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    real_fsync, real_replace = os.fsync, os.replace

    class Stream(io.RawIOBase):
        def __init__(self):
            self.source, self.reads = io.BytesIO(data), 0
        def readable(self):
            return True
        def read(self, size=-1):
            self.reads += 1
            if step == "mid-write" and self.reads == 3:
                die()
            return self.source.read(size)

    def fsync(fd):
        is_dir = os.path.isdir(os.readlink(f"/proc/self/fd/{fd}"))
        if step == "before-file-fsync" and not is_dir:
            die()
        real_fsync(fd)
        if step == "after-file-fsync" and not is_dir:
            die()
        if step == "after-folder-fsync" and is_dir:
            die()

    def replace(src, dst):
        if step == "before-rename":
            die()
        real_replace(src, dst)
        if step == "after-rename":
            die()

    os.fsync, os.replace = fsync, replace
    storage.LocalStore(root).put(Stream())
    print("finished")
""")

STEPS = ["mid-write", "before-file-fsync", "after-file-fsync", "before-rename", "after-rename",
         "after-folder-fsync", "finished"]


@pytest.mark.parametrize("step", STEPS)
def test_a_process_killed_at_any_step_leaves_no_partial_file_under_its_name(tmp_path, step):
    root, upload = tmp_path / "uploads", tmp_path / "upload.bin"
    upload.write_bytes(DATA)
    child = subprocess.run([sys.executable, "-c", CHILD, str(root), step, str(upload)],
                           capture_output=True, text=True, timeout=120)
    if step == "finished":
        assert child.returncode == 0 and "finished" in child.stdout, child.stderr
    else:
        assert child.returncode == -signal.SIGKILL, (child.returncode, child.stderr)
    store = storage.LocalStore(root)
    final = store.path(SHA)
    named = list(store.iter_hashes())
    if step in ("after-rename", "after-folder-fsync", "finished"):
        assert named == [SHA] and final.read_bytes() == DATA       # whole, under its name
    else:
        assert named == [] and not final.exists()                  # nowhere under its name
    # what was left half-written is a temporary the recovery removes
    leftovers = [p for p in root.iterdir() if p.is_file()] if root.exists() else []
    assert all(p.name.startswith(storage.LocalStore.TEMP_PREFIX) for p in leftovers)
    for p in leftovers:
        os.utime(p, (0, 0))
    assert store.cleanup_temp(older_than_seconds=60) == len(leftovers)
    assert [p for p in root.iterdir() if p.is_file()] == [] if root.exists() else True
