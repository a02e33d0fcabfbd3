"""A pre-started parent that forks one limited child per document (a fork server).

Starting a Python interpreter and importing the PDF libraries for every upload costs more than
reading most responses. The fork server is started once per process that parses (the web
process, a Celery worker, the bench), imports the parsing modules (never the web application)
and then, for each request, forks:

* a *monitor* (forked from the server) that forks the *worker* and waits for it, then reports
  how it ended (exit status and the end of its stderr), so that a worker killed by the memory
  cap or a signal still gets a clear answer;
* the *worker*, which caps its own address space (``RLIMIT_AS``), arms a wall-clock timer that
  kills it at the time limit, and runs the request exactly as the one-off child does, writing
  its JSON lines to a socket of the caller's. It leads a process group of its own, with the
  Tesseract processes it starts (``ocr.Reader``): when it dies the monitor kills the group, so
  no Tesseract outlives a worker killed by its timer, the memory cap or a crash.

Requests come over a Unix socket with the caller's end of a fresh socket pair passed along
(``SCM_RIGHTS``), so each document has its own channel and the server never reads results.
Isolation is the same as a fresh process per document: each worker is its own process with
its own limits, and dies after one document.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading

PRELOAD = ("pypdfium2", "pypdfium2.raw", "procure.intake.structure", "procure.intake.layout",
           "procure.intake.pdf", "procure.intake.ocr")


# ---------------------------------------------------------------------------
# caller side

class ForkServer:
    """The caller's handle on its fork server (one per calling process)."""

    def __init__(self) -> None:
        import subprocess

        from procure.intake.pdf import _ROOT

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("PYTHONHASHSEED", "0")
        self.pid_owner = os.getpid()
        self.control = ours
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "procure.intake.forkserver", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            env=env, cwd=_ROOT, close_fds=True)
        theirs.close()

    def alive(self) -> bool:
        return self.proc.poll() is None and self.pid_owner == os.getpid()

    def submit(self, request: dict) -> socket.socket:
        """Send one request; the socket its worker answers on (JSON lines, then EOF)."""
        mine, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        payload = json.dumps(request).encode()
        try:
            with self.lock:
                socket.send_fds(self.control, [payload], [worker_end.fileno()])
        except OSError:
            mine.close()
            raise
        finally:
            worker_end.close()
        return mine

    def close(self) -> None:
        try:
            self.control.close()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


_server: ForkServer | None = None
_server_lock = threading.Lock()


def server() -> ForkServer | None:
    """This process's fork server, started on first use (None where it cannot start)."""
    global _server
    with _server_lock:
        if _server is not None and not _server.alive():
            if _server.pid_owner == os.getpid():
                _server.close()
            _server = None
        if _server is None:
            try:
                _server = ForkServer()
            except OSError:
                return None
        return _server


# ---------------------------------------------------------------------------
# server side

def _worker(request: dict, out_fd: int, err_w: int) -> None:
    """In the forked worker: limits, timer, the request, exit (never returns)."""
    code = 1
    try:
        os.setpgid(0, 0)  # its own process group, with its Tesseract processes
        os.dup2(out_fd, 1)
        os.dup2(err_w, 2)
        os.close(out_fd)
        os.close(err_w)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)   # the timer kills
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)   # Tesseract's exit status is read
        seconds = float(request["limits"]["seconds"])
        signal.setitimer(signal.ITIMER_REAL, seconds + 0.5)
        from procure.intake import pdf

        code = pdf.run_request(request)
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _monitor(request: dict, out_fd: int) -> None:
    """In the forked monitor: fork the worker, wait, report how it ended (never returns)."""
    try:
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(err_r)
            _worker(request, out_fd, err_w)
        os.close(err_w)
        err = b""
        while True:
            chunk = os.read(err_r, 65536)
            if not chunk:
                break
            err = (err + chunk)[-4000:]
        # ended but not yet reaped, so its process group's id cannot be reused: kill what is
        # left in the group (Tesseract processes of a worker that died without closing them)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:  # nothing left in the group
            pass
        _, status = os.waitpid(pid, 0)
        rc = os.waitstatus_to_exitcode(status)
        msg = json.dumps({"exit": rc, "stderr": err.decode("utf-8", "replace")}) + "\n"
        try:
            os.write(out_fd, msg.encode())
        except OSError:
            pass
    finally:
        os._exit(0)


def serve(control_fd: int) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # monitors are reaped by the kernel
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception:
            pass
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
        except (OSError, InterruptedError):
            continue
        if not msg:
            return  # the caller is gone
        try:
            request = json.loads(msg)
        except Exception:
            for fd in fds:
                os.close(fd)
            continue
        if not fds:
            continue
        out_fd = fds[0]
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _monitor(request, out_fd)
        os.close(out_fd)


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    sys.setrecursionlimit(3000)
    serve(int(sys.argv[1]))
