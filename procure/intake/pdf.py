"""Isolated PDF intake parser.

``parse_file`` is the one entry point. It does the cheap checks (size, empty, ``%PDF-``
header) in the calling process, then runs the parsing in a child process
(``python -m procure.intake.pdf --child``) with an address-space limit, a wall-clock
timeout and a kill. The child speaks JSON lines on stdout::

    {"progress": [done, total]}
    {"record": {...}}                         # last line, success
    {"rejected": {"code": ..., "message": ...}}  # last line, refusal

Pipeline in the child (see DESIGN.md "Document intake"): cut junk before ``%PDF-``;
pypdfium2 opens the document (encryption, page count), extracts text of every page
(fast); pdfplumber only reads the budget section's pages (tables), closing every page;
pypdf reads AcroForm fields (its decompression limits stay on). ``structure`` turns
it all into the record.
"""
from __future__ import annotations

import io
import json
import logging
import os
import queue
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

log = logging.getLogger(__name__)

CODES = ("empty", "not_pdf", "corrupt", "encrypted", "too_large", "too_many_pages", "no_text", "timeout")

MESSAGES = {
    "empty": "The file is empty. Upload the PDF again.",
    "not_pdf": "This file is not a PDF. Save or export your document as PDF and upload that file.",
    "corrupt": "This PDF is damaged and cannot be read. Save or export it as PDF again and upload the new file.",
    "truncated": "This PDF is incomplete (it looks cut off during saving or uploading). Upload the complete file again.",
    "encrypted": "This PDF is password-protected. Remove the password and upload it again.",
    "no_text": "The PDF has only scanned images; upload a PDF with selectable text.",
    "memory": "This PDF needs more memory to read than allowed (it may be built to exhaust readers). "
              "Save it again as a plain PDF and upload that file.",
    "crash": "This PDF made the reader stop unexpectedly. Save or export it as PDF again and upload the new file.",
}


@dataclass(frozen=True)
class Limits:
    seconds: float = 120
    pages: int = 500
    bytes: int = 50 * 1024 * 1024
    memory_bytes: int = 1536 * 1024 * 1024


class Rejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


def record_to_json(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------
# parent side

_ROOT = str(Path(__file__).resolve().parents[2])


def _limit_self(memory_bytes: int) -> None:
    """In the child, first thing: cap its address space and drop core dumps. (Done here rather
    than in Popen's preexec_fn, which is unsafe in threaded parents: gunicorn gthread, Celery.)"""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass


def _header_offset(head: bytes) -> int:
    return head.find(b"%PDF-")


def parse_file(path, sections: list[dict], limits: Limits = Limits(),
               progress: Callable[[int, int], None] | None = None,
               bidder_names: Sequence[str] = ()) -> dict:
    """Parse the PDF at ``path`` into the intake record, or raise ``Rejected``. Where the
    record says the ``bidder_names`` (its organisation, tax id, contact) are printed, a blind
    panel's page pictures black them out (``bidder_marks``)."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as e:
        raise Rejected("corrupt", "The uploaded file could not be read. Upload it again.") from e
    if size == 0:
        raise Rejected("empty", MESSAGES["empty"])
    if size > limits.bytes:
        raise Rejected("too_large", f"This PDF is {size / 1048576:.1f} MB; the limit is "
                                    f"{limits.bytes / 1048576:.0f} MB. Reduce the file size "
                                    f"(for example, lower image resolution) and upload it again.")
    if not head.strip(b" \t\r\n\x00"):
        raise Rejected("empty", MESSAGES["empty"])
    if _header_offset(head) < 0:
        raise Rejected("not_pdf", MESSAGES["not_pdf"])

    final = _run_child({"mode": "parse", "path": os.path.abspath(path), "sections": sections,
                        "bidder_names": [n for n in bidder_names if len(n.strip()) >= 4],
                        "limits": asdict(limits), "tesseract": tesseract_command()}, limits, progress)
    return final["record"]


def render_pages(path, out_dir, limits: Limits = Limits(), *, max_pages: int = 500,
                 scale: float = 1.25) -> list[Path]:
    """Render the PDF's pages to PNG files in ``out_dir`` (for reading in the browser), in the
    same isolated, limited child as parsing; the web process never opens a PDF."""
    final = _run_child({"mode": "render", "path": os.path.abspath(os.fspath(path)),
                        "out_dir": os.path.abspath(os.fspath(out_dir)), "max_pages": max_pages,
                        "scale": scale, "limits": asdict(limits)}, limits, None)
    return [Path(p) for p in final["images"]]


def _timeout(limits: Limits) -> Rejected:
    return Rejected("timeout", f"Reading this PDF took longer than {limits.seconds:g} seconds. "
                               "Upload a smaller or simpler PDF (for example, without scanned pages).")


def _answer(final: dict | None, rc: int | None, err: str, path: str) -> dict:
    """The child's final message, or the Rejected that says how it ended without one."""
    if final is not None:
        if "rejected" not in final:
            return final
        r = final["rejected"]
        raise Rejected(r.get("code") if r.get("code") in CODES else "corrupt",
                       r.get("message") or MESSAGES["corrupt"])
    # pdfium aborts (SIGABRT/SIGTRAP) when an allocation fails under RLIMIT_AS
    if rc in (-signal.SIGABRT, -signal.SIGTRAP) or "MemoryError" in err or "std::bad_alloc" in err \
            or "Cannot allocate memory" in err or "out of memory" in err.lower():
        raise Rejected("corrupt", MESSAGES["memory"])
    log.warning("intake child for %s ended without an answer (exit %s): %s", path, rc, err[-2000:])
    raise Rejected("corrupt", MESSAGES["crash"])


def _message(raw: bytes, progress: Callable[[int, int], None] | None) -> dict | None:
    """One JSON line from the child: progress is reported; the final answer (record, rejection,
    images) or the fork server's word on how the child ended is returned."""
    try:
        msg = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(msg, dict):
        return None
    if "progress" in msg:
        if progress is not None:
            done, total = msg["progress"]
            progress(int(done), int(total))
        return None
    return msg if {"record", "rejected", "images", "exit"} & set(msg) else None


def _run_forked(request: dict, limits: Limits,
                progress: Callable[[int, int], None] | None) -> dict | None:
    """Run one request in a child forked by this process's fork server (None: no server)."""
    from procure.intake import forkserver

    srv = forkserver.server()
    if srv is None:
        return None
    try:
        sock = srv.submit(request)
    except OSError:
        return None
    deadline = time.monotonic() + limits.seconds
    final, rc, err, buf = None, None, "", b""
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout(limits)  # the worker's own timer kills it
            sock.settimeout(min(remaining, 1.0))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                msg = _message(raw, progress)
                if msg and "exit" in msg:
                    rc, err = msg["exit"], msg.get("stderr") or ""
                elif msg:
                    final = msg
    finally:
        sock.close()
    if final is None and rc is None:
        rc = -signal.SIGKILL
    if final is None and rc == -signal.SIGALRM:
        raise _timeout(limits)
    return _answer(final, rc, err, request["path"])


def _kill_group(proc: subprocess.Popen) -> int:
    """Kill the child's process group (the child, if still running, and the Tesseract processes
    it started) and reap the child. Only while the child is not yet reaped: till then the
    group's id is its own."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:  # the group is empty
        pass
    return proc.wait()


def _reap(proc: subprocess.Popen, timeout: float) -> int:
    """Wait for the child to end (``subprocess.TimeoutExpired`` after ``timeout`` seconds),
    then kill what is left of its process group and reap it: its exit status."""
    end = time.monotonic() + timeout
    while True:
        try:
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
                break
        except ChildProcessError:  # reaped already (SIGCHLD ignored in this process)
            return proc.wait()
        if time.monotonic() >= end:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        time.sleep(0.01)
    return _kill_group(proc)


def _run_child(request: dict, limits: Limits,
               progress: Callable[[int, int], None] | None) -> dict:
    """Run one request in a child process under the limits: forked by the fork server, or
    (where that cannot start, or PROCURE_INTAKE_FORKSERVER=0) a fresh interpreter; its final
    message, or Rejected (including when the child dies or overruns the time limit)."""
    if os.environ.get("PROCURE_INTAKE_FORKSERVER", "1") != "0":
        answer = _run_forked(request, limits, progress)
        if answer is not None:
            return answer
    path = request["path"]
    payload = json.dumps(request)
    env = dict(os.environ)
    env["PYTHONPATH"] = _ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONHASHSEED", "0")
    stderr = tempfile.TemporaryFile()
    try:
        # a process group of its own, with the Tesseract processes it starts: killed together
        proc = subprocess.Popen(
            [sys.executable, "-m", "procure.intake.pdf", "--child"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
            env=env, cwd=_ROOT, close_fds=True, process_group=0,
        )
    except OSError as e:  # pragma: no cover - fork failure
        stderr.close()
        raise Rejected("corrupt", "The PDF reader could not be started. Try again later.") from e
    lines: queue.Queue = queue.Queue()

    def reader():
        try:
            for raw in proc.stdout:
                lines.put(raw)
        finally:
            lines.put(None)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    final = None
    rc = None
    deadline = time.monotonic() + limits.seconds
    try:
        try:
            proc.stdin.write(payload.encode())
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Rejected("timeout", f"Reading this PDF took longer than {limits.seconds:g} seconds. "
                                          "Upload a smaller or simpler PDF (for example, without "
                                          "scanned pages).")
            try:
                raw = lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if raw is None:
                break
            msg = _message(raw, progress)
            if msg and "exit" not in msg:
                final = msg
        try:
            rc = _reap(proc, max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise Rejected("timeout", f"Reading this PDF took longer than {limits.seconds:g} seconds. "
                                      "Upload a smaller or simpler PDF.")
    finally:
        if proc.returncode is None:
            _kill_group(proc)
        t.join(timeout=2)  # the child is gone: the reader sees EOF
        proc.stdout.close()
        stderr.seek(0, os.SEEK_END)
        stderr.seek(max(0, stderr.tell() - 4000))
        err = stderr.read().decode("utf-8", "replace")
        stderr.close()
    return _answer(final, rc, err, path)


# ---------------------------------------------------------------------------
# child side

def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _read_pdf_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read()
    off = data[:1024].find(b"%PDF-")
    if off < 0:
        raise Rejected("not_pdf", MESSAGES["not_pdf"])
    return data[off:]


def _open_pdfium(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg or "security" in msg:
            raise Rejected("encrypted", MESSAGES["encrypted"]) from e
        raise Rejected("corrupt", MESSAGES["corrupt"]) from e


def _pdfium_texts(doc, n: int, read: Callable[[int, str, list[dict]], None] | None = None
                  ) -> tuple[list[str], list[list[dict]], dict[int, str], int]:
    """Text of every page (content-stream order) and its lines with size, weight and box
    (``layout``); for pages with an empty vertical strip down the middle (a two-column
    gutter) also the text read column by column, used when the stream interleaves the
    columns; and how many pages failed. ``read`` is told each page's text and lines as soon
    as the page is read."""
    from procure.intake.layout import kerning_spaces, page_lines, unhyphenate

    texts, layout, columns, failed = [], [], {}, 0
    for i in range(n):
        try:
            page = doc[i]
            try:
                tp = page.get_textpage()
                try:
                    text = tp.get_text_range() or ""
                    try:
                        drop = kerning_spaces(tp, text)
                    except Exception:
                        drop = set()
                    texts.append(unhyphenate("".join(c for k, c in enumerate(text) if k not in drop) if drop else text))
                    try:
                        layout.append(page_lines(tp, page.get_height(), text, page.get_width(), drop))
                    except Exception:
                        layout.append([])
                    try:
                        _mark_underlined(page, layout[-1])
                    except Exception:
                        pass
                    if len(text.strip()) > 200:
                        w, h = page.get_size()
                        gutter = tp.get_text_bounded(left=w / 2 - 4, bottom=0, right=w / 2 + 4, top=h)
                        if len("".join(gutter.split())) <= max(6, len(text) // 400):
                            columns[i] = (tp.get_text_bounded(left=0, bottom=0, right=w / 2, top=h) + "\n"
                                          + tp.get_text_bounded(left=w / 2, bottom=0, right=w, top=h))
                finally:
                    tp.close()
            finally:
                page.close()
        except Exception:  # a broken page must not sink the document
            if len(texts) == i:
                texts.append("")
            if len(layout) == i:
                layout.append([])
            failed += 1
        if read is not None:
            read(i, texts[i], layout[i])
        _emit({"progress": [i + 1, n]})
    return texts, layout, columns, failed


def _mark_underlined(page, lines: list[dict]) -> None:
    """Mark lines drawn with a rule right under them about as wide as their text (a heading
    marked only by underlining): ``underline``. Table rules, wider than any one cell's text,
    are not underlines."""
    import pypdfium2.raw as pdfium_c

    if not lines or len(lines) > 400:
        return
    h = page.get_height()
    rules = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=1):
        left, bottom, right, top = obj.get_bounds()
        if top - bottom <= 2.5 and right - left >= 12:
            rules.append((left, h - top, right))
            if len(rules) > 200:
                return
    if not rules:
        return
    for ln in lines:
        if ln.get("x0") is None or ln.get("bottom") is None:
            continue
        width = ln["x1"] - ln["x0"]
        height = max(ln["bottom"] - ln["top"], 1.0)
        for left, y, right in rules:
            if (-0.25 * height <= y - ln["bottom"] <= 0.45 * height and abs(left - ln["x0"]) <= 0.5 * height
                    and 0.8 * width <= right - left <= 1.2 * width + height):
                ln["underline"] = True
                break


def _has_image(doc, index: int) -> bool:
    import pypdfium2.raw as pdfium_c

    page = doc[index]
    try:
        return next(iter(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3)), None) is not None
    finally:
        page.close()


def _page_picture_top(doc, index: int) -> float | None:
    """The top (from the page's top) of a picture covering at least half the page, or None."""
    import pypdfium2.raw as pdfium_c

    page = doc[index]
    try:
        w, h = page.get_size()
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
            left, bottom, right, top = obj.get_bounds()
            if (right - left) * (top - bottom) >= 0.5 * w * h:
                return h - top
        return None
    finally:
        page.close()


def tesseract_command() -> str | None:
    """The Tesseract program that reads scanned pages (``PROCURE_TESSERACT``, else
    ``tesseract`` on the PATH), or None: OCR is off."""
    import shutil

    return shutil.which(os.environ.get("PROCURE_TESSERACT") or "tesseract")


def _is_scanned(doc, index: int, text: str, lines: list[dict]) -> tuple[bool, float | None]:
    """Whether a page is scanned, decided as soon as its text is read: no text but a picture;
    or a printed running header or page number on it (little text, at most three lines) and a
    picture over most of the page, whose top (from the page's top) comes too."""
    chars = len(text.strip())
    if chars < 3:
        return _has_image(doc, index), None
    if chars <= 120 and len(lines) <= 3:
        top = _page_picture_top(doc, index)
        return top is not None, top
    return False, None


def _scanned_pages(texts: list[str], layout: list[list[dict]], scanned: list[int],
                   tops: dict[int, float], reader) -> list[dict]:
    """The scanned pages' text by OCR (``reader``, an ``ocr.Reader`` already reading them, or
    None: Tesseract is not installed) into ``texts`` and ``layout``; the record's notes say
    which pages were read and which not."""
    if not scanned:
        return []
    pages = ", ".join(str(i + 1) for i in scanned)
    if reader is None:
        return [{"code": "scanned_not_read", "pages": [i + 1 for i in scanned],
                 "message": f"Scanned page(s) {pages}: text not read (OCR is off on this service: "
                            "Tesseract is not installed). Check these pages in the pictures."}]
    done, failed, read = [], [], {}
    for i in scanned:
        text = reader.text(i)
        if text is None:
            failed.append(i)
            continue
        read[i + 1] = " ".join(text.split())[:2000]
        from procure.intake.structure import as_line, split_lines
        ocr = [dict(as_line(ln), ocr=True) for ln in split_lines(text)]
        if i in tops:  # the printed lines above the picture, its text, the printed lines below
            above = [ln for ln in layout[i] if (ln.get("top") or 0) < tops[i]]
            below = [ln for ln in layout[i] if (ln.get("top") or 0) >= tops[i]]
            layout[i] = above + ocr + below
            texts[i] = "\n".join(ln["text"] for ln in layout[i])
        else:
            texts[i] = text
            layout[i] = ocr
        done.append(i)
    notes = []
    if done:
        notes.append({"code": "ocr", "pages": [i + 1 for i in done], "text": read,
                      "message": "Scanned page(s) " + ", ".join(str(i + 1) for i in done)
                                 + ": text read by OCR (Tesseract); check it against the pictures."})
    if failed:
        notes.append({"code": "scanned_not_read", "pages": [i + 1 for i in failed],
                      "message": "Scanned page(s) " + ", ".join(str(i + 1) for i in failed)
                                 + ": text not read (OCR did not finish). Check these pages in the pictures."})
    return notes


def _form_fields(data: bytes) -> tuple[dict, bool, int | None, list[dict]]:
    """AcroForm fields by pypdf: values, whether a signature field is signed, and its page."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    problems = []
    fields_out: dict = {}
    signed, signed_page = False, None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                return {}, False, None, []
        fields = reader.get_fields() or {}
        for name, f in fields.items():
            v = f.get("/V")
            ft = f.get("/FT")
            if ft == "/Sig":
                if v is not None:
                    signed = True
                    fields_out[str(name)] = "(signed)"
                else:
                    fields_out[str(name)] = None
                continue
            if v is None:
                fields_out[str(name)] = None
            elif isinstance(v, list):
                fields_out[str(name)] = ", ".join(str(x) for x in v)
            else:
                s = str(v)
                fields_out[str(name)] = s[1:] if s.startswith("/") else s
        if signed:
            try:
                for pno, page in enumerate(reader.pages):
                    for a in page.get("/Annots") or []:
                        a = a.get_object()
                        if a.get("/FT") == "/Sig" or (a.get("/Parent") and a["/Parent"].get_object().get("/FT") == "/Sig"):
                            if a.get("/V") is not None or (a.get("/Parent") and a["/Parent"].get_object().get("/V") is not None):
                                signed_page = pno + 1
                                raise StopIteration
            except StopIteration:
                pass
            except Exception:
                pass
    except (PyPdfError, RecursionError, TypeError, ValueError, KeyError, AttributeError,
            IndexError, AssertionError, OSError):
        problems.append({"code": "form_fields_unreadable",
                         "message": "The form fields of this PDF could not be read; cover-sheet values "
                                    "were taken from the page text instead."})
    return fields_out, signed, signed_page, problems


def _pdfium_budget_regions(doc, pages: list[int], start_heading: str | None,
                           stop_heading: str | None, stop_page: int | None) -> dict[int, tuple[float, float]]:
    """For each budget page that has vector paths (ruled tables are drawn with lines),
    the vertical band (top, bottom, in pdfplumber's top-down points) inside the section.
    Pages without paths are left out: pdfplumber's table finder would find nothing there."""
    import pypdfium2.raw as pdfium_c

    def heading_top(page, textpage, heading):
        try:
            searcher = textpage.search(heading, match_case=False)
            hit = searcher.get_next()
            if hit:
                _, _, _, top = textpage.get_charbox(hit[0])
                return page.get_height() - top - 2
        except Exception:
            return None
        return None

    out = {}
    for pno in pages:
        page = doc[pno - 1]
        try:
            has_paths = next(iter(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=3)), None) is not None
            if not has_paths:
                continue
            top, bottom = 0.0, page.get_height()
            tp = page.get_textpage()
            try:
                if pno == pages[0] and start_heading:
                    t = heading_top(page, tp, start_heading)
                    if t is not None:
                        top = max(0.0, t)
                if stop_heading and pno == stop_page:
                    t = heading_top(page, tp, stop_heading)
                    if t is not None and t > top:
                        bottom = t
            finally:
                tp.close()
            out[pno] = (top, bottom)
        finally:
            page.close()
    return out


def _plumber_table_rows(data: bytes, regions: dict[int, tuple[float, float]]):
    """Rows of the tables pdfplumber finds in the given page bands. Returns (rows, problems);
    rows is None when pdfplumber failed."""
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    from procure.intake import structure as st

    tables = []
    try:
        with pdfplumber.open(io.BytesIO(data), pages=sorted(regions)) as pdf:
            for page in pdf.pages:
                try:
                    top, bottom = regions[page.page_number]
                    bottom = min(bottom, float(page.bbox[3]))
                    top = max(top, float(page.bbox[1]))
                    region = page
                    if (top, bottom) != (float(page.bbox[1]), float(page.bbox[3])) and bottom > top:
                        region = page.crop((page.bbox[0], top, page.bbox[2], bottom), relative=False, strict=False)
                    for tb in region.find_tables():
                        tables.append(tb.extract())
                finally:
                    page.close()
    except PdfminerException as e:
        cause = e.args[0] if e.args else e
        return None, [{"code": "budget_unreadable",
                       "message": "The budget tables could not be read "
                                  f"({type(cause).__name__}); amounts were taken from the text."}]
    except (TypeError, RecursionError, ValueError, KeyError, AttributeError, IndexError, AssertionError) as e:
        return None, [{"code": "budget_unreadable",
                       "message": f"The budget tables could not be read ({type(e).__name__}); "
                                  "amounts were taken from the text."}]
    return st.budget_rows_from_tables(tables), []


def _form(doc, data: bytes) -> tuple[dict, bool, int | None, list[dict]]:
    """The AcroForm's fields (``_form_fields``), or none when the document has no form."""
    try:
        import pypdfium2.raw as pdfium_c

        has_form = pdfium_c.FPDF_GetFormType(doc.raw) != pdfium_c.FORMTYPE_NONE
    except Exception:
        has_form = True
    if has_form:  # pypdf costs ~0.2 s to import: only for documents with an AcroForm/XFA
        return _form_fields(data)
    return {}, False, None, []


def _child(request: dict) -> dict:
    from procure.intake import ocr as ocr_mod
    from procure.intake import structure as st

    started = time.monotonic()
    limits = Limits(**request["limits"])
    sections = request["sections"]
    data = _read_pdf_bytes(request["path"])
    problems = []
    tail = data[-1024:]
    if b"%%EOF" not in tail:
        if b"%%EOF" not in data:
            raise Rejected("corrupt", MESSAGES["truncated"])
        problems.append({"code": "trailing_data",
                         "message": "The PDF has extra data after its end; check that the right file was uploaded."})
    doc = _open_pdfium(data)
    tesseract = request.get("tesseract")
    # scanned pages are read by Tesseract (other processes) while this one parses the rest
    reader = ocr_mod.Reader(doc, tesseract, started + limits.seconds - 5) if tesseract else None
    scanned: list[int] = []
    tops: dict[int, float] = {}

    def read(i: int, text: str, lines: list[dict]) -> None:
        is_scanned, top = _is_scanned(doc, i, text, lines)
        if is_scanned:
            scanned.append(i)
            if top is not None:
                tops[i] = top
            if reader is not None:
                reader.add(i)

    try:
        n = len(doc)
        if n <= 0:
            raise Rejected("corrupt", MESSAGES["corrupt"])
        if n > limits.pages:
            raise Rejected("too_many_pages", f"This PDF has {n:,} pages; the limit is {limits.pages:,}. "
                                             "Remove unneeded pages and upload it again.")
        _emit({"progress": [0, n]})
        texts, layout, columns, failed = _pdfium_texts(doc, n, read)
        if failed == n:
            raise Rejected("corrupt", MESSAGES["corrupt"])
        marks = None
        if scanned:  # while Tesseract reads them: what needs no page's text (no_text cannot come)
            form = _form(doc, data)
            marks = _bidder_marks(doc, n, request.get("bidder_names") or [])
        notes = _scanned_pages(texts, layout, scanned, tops, reader)
        if not any(t.strip() for t in texts) and not notes:
            raise Rejected("no_text", MESSAGES["no_text"])
        if failed:
            problems.append({"code": "pages_unreadable",
                             "message": f"{failed} page(s) could not be read; check them and upload again if needed."})
        if not scanned:
            form = _form(doc, data)
        fields, signed, signed_page, fproblems = form
        problems += fproblems

        def build(pages_layout, rows=None, extra=()):
            return st.build_record(texts, sections, fields, rows, signed, signed_page,
                                   problems + list(extra), layout=pages_layout, notes=notes)

        rec = build(layout)
        if rec["missing_sections"] and columns:
            # columns interleaved in the content stream: read two-column pages column by column
            # (only pages where that reveals more headings; covers and tables read better by rows)
            layout2 = [[st.as_line(x) for x in st.split_lines(columns[i])]
                       if i in columns and st.count_heading_lines(columns[i], sections)
                       > st.count_heading_lines(t, sections) else layout[i] for i, t in enumerate(texts)]
            rec2 = build(layout2)
            if len(rec2["sections"]) > len(rec["sections"]):
                layout, rec = layout2, rec2
        found = rec["sections"]
        bids = set(st.budget_section_ids(sections))
        bsec = next((f for f in found if f["id"] in bids), None)
        regions = {}
        # pdfplumber's tables only where the lines read no budget rows at all
        if bsec is not None and not st.text_budget_rows(layout, rec, sections):
            idx = found.index(bsec)
            nxt = found[idx + 1] if idx + 1 < len(found) else None
            pages = list(range(bsec["start_page"], bsec["end_page"] + 1))
            try:
                regions = _pdfium_budget_regions(doc, pages, bsec["heading"], nxt["heading"] if nxt else None,
                                                 nxt["start_page"] if nxt else None)
            except Exception:
                regions = {p: (0.0, 1e9) for p in pages}
        if marks is None:
            marks = _bidder_marks(doc, n, request.get("bidder_names") or [])
    finally:
        if reader is not None:
            reader.close()
        doc.close()
    if regions:
        # ruled tables: pdfplumber, only on the budget pages that have lines
        rows, bproblems = _plumber_table_rows(data, regions)
        if rows:
            rec = build(layout, rows, bproblems)
        else:
            rec["problems"] = bproblems + rec["problems"]
    rec["bidder_marks"] = marks
    return rec


def _bidder_marks(doc, n: int, names: list[str]) -> dict[str, dict]:
    """Where the text layer prints the bidder's own names, page by page ("3": the page's size
    and the boxes, in points from its top-left corner), for blacking them out of the pictures a
    blind panel reads. Scanned pages have no text layer: the blind panel never gets those
    (evaluation.blind_pages)."""
    marks: dict[str, dict] = {}
    for index in range(n if names else 0):
        try:
            page = doc[index]
        except Exception:
            continue
        try:
            width, height = page.get_width(), page.get_height()
            textpage = page.get_textpage()
            boxes = []
            for name in names:
                searcher = textpage.search(name, match_case=False)
                while (hit := searcher.get_next()) is not None:
                    for r in range(textpage.count_rects(*hit)):
                        left, bottom, right, top = textpage.get_rect(r)
                        boxes.append([round(left, 1), round(height - top, 1),
                                      round(right, 1), round(height - bottom, 1)])
                searcher.close()
            textpage.close()
            if boxes:
                marks[str(index + 1)] = {"size": [round(width, 1), round(height, 1)],
                                         "boxes": boxes}
        except Exception:
            continue
        finally:
            page.close()
    return marks


def _child_render(request: dict) -> list[str]:
    """Each page as a PNG (pypdfium2), at most max_pages; every page closed after use."""
    doc = _open_pdfium(_read_pdf_bytes(request["path"]))
    out_dir = Path(request["out_dir"])
    images = []
    try:
        count = min(len(doc), int(request["max_pages"]))
        for index in range(count):
            page = doc[index]
            try:
                bitmap = page.render(scale=float(request["scale"]))
                target = out_dir / f"page-{index + 1:04d}.png"
                bitmap.to_pil().save(target, format="PNG", optimize=True)
                images.append(str(target))
            finally:
                page.close()
            _emit({"progress": [index + 1, count]})
    finally:
        doc.close()
    return images


def run_request(request: dict) -> int:
    """Run one request in this (child) process, answering in JSON lines on stdout."""
    try:
        _limit_self(int(request["limits"]["memory_bytes"]))
        if request.get("mode") == "render":
            _emit({"images": _child_render(request)})
        else:
            _emit({"record": _child(request)})
        return 0
    except Rejected as r:
        _emit({"rejected": r.to_dict()})
        return 0
    except MemoryError:
        try:
            _emit({"rejected": {"code": "corrupt", "message": MESSAGES["memory"]}})
        finally:
            return 0
    except RecursionError:
        _emit({"rejected": {"code": "corrupt", "message": MESSAGES["corrupt"]}})
        return 0
    except Exception as e:  # anything else: damaged or hostile content
        print(f"intake child: {type(e).__name__}: {e}", file=sys.stderr)
        _emit({"rejected": {"code": "corrupt", "message": MESSAGES["corrupt"]}})
        return 0


def _child_main() -> int:
    return run_request(json.loads(sys.stdin.read()))


if __name__ == "__main__":
    if "--child" in sys.argv[1:]:
        import logging

        logging.disable(logging.WARNING)
        sys.setrecursionlimit(3000)
        sys.exit(_child_main())
    print("usage: python -m procure.intake.pdf --child  (JSON request on stdin)", file=sys.stderr)
    sys.exit(2)
