"""Hostile and broken uploads end in a clear rejection (or parse, where a reader would)."""
import threading

import pytest

from procure.intake.pdf import CODES, Limits, Rejected, parse_file
from tests.fixtures.generator import (
    SECTIONS,
    ResponseSpec,
    make_decompression_bomb,
    make_hostile_set,
    make_response,
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    return d, make_hostile_set(d)


def _outcome(path, limits=Limits()):
    try:
        parse_file(path, SECTIONS, limits)
        return None, None
    except Rejected as e:
        return e.code, e.message


def test_every_hostile_file_ends_as_expected(hostile):
    d, expected = hostile
    got = {name: _outcome(d / name)[0] for name in expected}
    print("\nhostile outcomes:", got)
    assert got == expected


def test_rejections_tell_the_bidder_what_to_do(hostile):
    d, expected = hostile
    for name, code in expected.items():
        if code is None:
            continue
        c, msg = _outcome(d / name)
        assert c in CODES
        assert msg.endswith(".") and len(msg) > 30
        assert "Traceback" not in msg and "Error" not in msg
    assert _outcome(d / "encrypted.pdf")[1] == \
        "This PDF is password-protected. Remove the password and upload it again."


def test_image_only_pdf_is_accepted_as_scanned(hostile):
    d, _ = hostile
    rec = parse_file(d / "image-only.pdf", SECTIONS)
    assert rec["pages"] == 1
    assert [n["code"] for n in rec["notes"]] in (["ocr"], ["scanned_not_read"])
    assert rec["notes"][0]["pages"] == [1] and "Scanned page(s) 1" in rec["notes"][0]["message"]


def test_polyglot_zip_parses_with_a_warning(hostile):
    d, _ = hostile
    rec = parse_file(d / "polyglot-zip.pdf", SECTIONS)
    assert "trailing_data" in {p["code"] for p in rec["problems"]}


def test_decompression_bomb_hits_the_memory_cap(tmp_path):
    p = tmp_path / "bomb.pdf"
    p.write_bytes(make_decompression_bomb(300))
    code, msg = _outcome(p, Limits(memory_bytes=256 * 1024 * 1024, seconds=30))
    assert code == "corrupt" and "memory" in msg


def test_timeout_kills_the_child(tmp_path):
    """A read that never ends (the child waits on a pipe nobody writes to, whatever the machine's
    speed) is ended at the limit: rejected as "timeout", and the child is gone."""
    import errno
    import os
    from dataclasses import asdict

    from procure.intake import pdf
    never = tmp_path / "never.pdf"
    os.mkfifo(never)
    limits = Limits(seconds=0.5)
    with pytest.raises(Rejected) as rejected:
        pdf._run_child({"mode": "parse", "path": str(never), "sections": SECTIONS,
                        "limits": asdict(limits)}, limits, None)
    assert rejected.value.code == "timeout" and "longer than 0.5 seconds" in rejected.value.message
    # The child was killed; its exit (and so the pipe's last reader) follows the signal: wait for
    # that event, at most a generous while, then nobody has the pipe open to read any more.
    import time
    give_up = time.monotonic() + 30
    while True:
        try:
            os.close(os.open(never, os.O_WRONLY | os.O_NONBLOCK))
        except OSError as no_reader:
            assert no_reader.errno == errno.ENXIO
            break
        assert time.monotonic() < give_up, "the timed-out child still holds the file open"
        time.sleep(0.05)


def test_parse_from_many_threads(hostile):
    d, expected = hostile
    names = list(expected) * 2
    results, errors = {}, []

    def work(i, name):
        try:
            results[i] = _outcome(d / name)[0]
        except Exception as e:  # pragma: no cover - would be the bug
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i, n)) for i, n in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert [results[i] for i in range(len(names))] == [expected[n] for n in names]


def test_memory_cap_leaves_room_for_normal_files(tmp_path):
    data, truth = make_response(ResponseSpec(seed=4))
    p = tmp_path / "normal.pdf"
    p.write_bytes(data)
    rec = parse_file(p, SECTIONS, Limits(memory_bytes=256 * 1024 * 1024, seconds=30))
    assert rec["pages"] == truth["pages"]


def _parse_in_daemon(path, out):
    try:
        out.put(("record", parse_file(path, SECTIONS)["pages"]))
    except Rejected as e:
        out.put(("rejected", e.code))


def test_works_inside_a_daemonic_worker_process(hostile):
    # Celery's prefork workers are daemonic: multiprocessing children are forbidden there,
    # subprocess is not.
    import multiprocessing as mp

    d, _ = hostile
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_parse_in_daemon, args=(d / name, out), daemon=True)
             for name in ("junk-before-header.pdf", "encrypted.pdf")]
    for pr in procs:
        pr.start()
    results = sorted(out.get(timeout=60) for _ in procs)
    for pr in procs:
        pr.join(10)
    assert results == [("record", 2), ("rejected", "encrypted")]
