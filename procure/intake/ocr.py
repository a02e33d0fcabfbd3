"""Scanned pages read by Tesseract while the rest of the document is parsed.

Tesseract runs as a program, a process per page, so a scanned page can be read on another
core while the parse child reads the text pages: ``Reader.add`` starts a page's Tesseract as
soon as the page is known to be scanned (as many at once as this process may use cores, the
rest waiting for a slot), and ``Reader.text`` collects what it read when the page's record
needs it. Each process is started before its page is rendered, so Tesseract loads its model
while the page is drawn; the page goes to it on stdin as a PNG compressed the fastest way
(Tesseract reads stdin a byte at a time: a plain 4 MB PGM cost it 0.2 s more than a 0.2 MB
PNG) and its text comes back on stdout, the same text as ``pytesseract.image_to_string``
reads from the same picture.

The Tesseract processes are the parse child's children: they inherit its limits (address
space), are killed when their page runs out of time or the parse ends (``Reader.close``), and
are in the parse child's process group, which whoever started the child kills when the child
dies without closing them (the fork server's monitor, ``pdf._run_child``).
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time


def cores() -> int:
    """How many cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def picture_dpi(page) -> float | None:
    """The resolution the page's largest picture was scanned at (its pixels per inch on the page)."""
    import pypdfium2.raw as pdfium_c

    best = None
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        if right - left < 1 or top - bottom < 1:
            continue
        px_w, px_h = obj.get_px_size()
        area = (right - left) * (top - bottom)
        if best is None or area > best[0]:
            best = (area, min(px_w / (right - left), px_h / (top - bottom)) * 72)
    return best[1] if best else None


def inked_part(image, margin: int = 40):
    """The part of a scanned page with print on it, a margin around it: blank paper costs
    Tesseract time and holds no words. Found on the page shrunk four times, where specks of
    dust fade to grey and print stays dark."""
    small = image.reduce(4)
    box = small.point(lambda v: 255 if v < 128 else 0).getbbox()
    if not box:
        return image
    left, top, right, bottom = (4 * v for v in box)
    return image.crop((max(0, left - margin), max(0, top - margin),
                       min(image.width, right + margin), min(image.height, bottom + margin)))


def page_picture(doc, index: int):
    """What Tesseract reads of a scanned page: the page rendered in grey at its picture's own
    resolution (150-300 dpi; rendering finer than the scan adds pixels, not letters), the inked
    part only."""
    page = doc[index]
    try:
        dpi = min(300.0, max(150.0, picture_dpi(page) or 300.0))
        image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        page.close()
    return inked_part(image)


def png(image) -> bytes:
    """The picture as a PNG, compressed the fastest way (a scan is mostly blank paper: a tenth
    of its pixels' bytes)."""
    import io

    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


class _Job:
    """One page's Tesseract process and the file its text goes to."""

    def __init__(self, proc: subprocess.Popen, out) -> None:
        self.proc, self.out = proc, out

    def finish(self, deadline: float) -> str | None:
        """The page's text once Tesseract ends (killed at the deadline, given a second at
        least), or None: it did not finish, failed, or wrote something that is not UTF-8."""
        try:
            try:
                rc = self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                return None
            if rc != 0:
                return None
            self.out.seek(0)
            return self.out.read().decode("utf-8")
        except Exception:
            return None
        finally:
            self.kill()

    def kill(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        finally:
            for f in (self.proc.stdin, self.out):
                try:
                    f.close()
                except OSError:  # a pipe whose reader is gone
                    pass


class Reader:
    """Tesseract (``command``) on one document's scanned pages, up to ``slots`` pages at once
    (default: this process's cores); every page to be read by ``deadline`` (``time.monotonic``).
    Use as a context manager or call ``close``: it kills what is still running."""

    # no second pass looking for white-on-black lines (a scan is dark print on light paper)
    ARGS = ("stdin", "stdout", "-c", "tessedit_do_invert=0")

    def __init__(self, doc, command: str, deadline: float, slots: int | None = None) -> None:
        self.doc, self.command, self.deadline = doc, command, deadline
        self.slots = max(1, slots or cores())
        self.waiting: list[int] = []
        self.running: dict[int, _Job] = {}
        self.done: dict[int, str | None] = {}

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, index: int) -> None:
        """Page ``index`` is scanned: read it as soon as a slot is free."""
        self.waiting.append(index)
        self._fill()

    def text(self, index: int) -> str | None:
        """What Tesseract read on page ``index`` (added before), or None: not read in time, or failed."""
        if index not in self.done and index not in self.running and index not in self.waiting:
            raise KeyError(index)
        while index not in self.done:
            if index not in self.running:  # waiting for a slot: the page started first ends first
                index_first = next(iter(self.running))
                self.done[index_first] = self.running.pop(index_first).finish(self.deadline)
            else:
                self.done[index] = self.running.pop(index).finish(self.deadline)
            self._fill()
        return self.done[index]

    def close(self) -> None:
        while self.running:
            self.running.popitem()[1].kill()
        self.waiting.clear()

    def _fill(self) -> None:
        for index, job in list(self.running.items()):
            if job.proc.poll() is not None:
                self.done[index] = self.running.pop(index).finish(self.deadline)
        while self.waiting and len(self.running) < self.slots:
            index = self.waiting.pop(0)
            job = self._start(index)
            if job is None:
                self.done[index] = None
            else:
                self.running[index] = job

    def _start(self, index: int) -> _Job | None:
        if self.deadline - time.monotonic() <= 1:
            return None
        out = tempfile.TemporaryFile()
        # one thread: Tesseract's OpenMP threads only wait on each other on a busy machine, and
        # the pages of a document (and the documents) are read at once anyway
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        try:
            proc = subprocess.Popen([self.command, *self.ARGS], stdin=subprocess.PIPE, stdout=out,
                                    stderr=subprocess.DEVNULL, env=env, close_fds=True)
        except OSError:
            out.close()
            return None
        job = _Job(proc, out)
        try:
            data = png(page_picture(self.doc, index))  # drawn while Tesseract loads its model
            proc.stdin.write(data)
            proc.stdin.close()
        except Exception:  # the page does not render, or Tesseract is gone
            job.kill()
            return None
        return job
