"""Worker processes: plain ``python -I`` children that answer requests on their pipes.

Used where a large log's work splits into independent batches that need the other cores:
the signature checks of ``verify`` (integrity/signature_workers.py) and the opening and
writing out of a large export's decisions (outputs/text_workers.py).

Each child runs ``main()`` of a module of this package, named in its start-up line. Not
``multiprocessing``, which would run the program's own main module again in every child;
isolated (``-I``), so that no module in the working folder (a json.py left in a shared
folder, say) and no PYTHON* setting runs before the import path is set: a worker is trusted
with the log's work. It reads length-prefixed requests on its standard input and writes one
length-prefixed answer to each, in order, until the parent closes the pipe.

A worker that cannot be started or stops answering is not trusted with anything: the pool
says it is broken, and the parent does that work itself. Workers print nothing.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from typing import IO

_LENGTH = struct.Struct("<I")

# Ctrl-C is the command's to report; anything else shows in the parent as a request not
# answered (which it then does itself).
_CHILD_STOPS = (KeyboardInterrupt, OSError, ValueError, EOFError, TypeError)


def boot_line(module: str) -> str:
    """The child's program: the parent's import path, then ``module.main()``."""
    return (
        "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
        f"from {module} import main; main()"
    )


def read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One length-prefixed message, or None at the end of the stream (or a cut-off one)."""
    head = read_exactly(stream, _LENGTH.size)
    if head is None:
        return None
    return read_exactly(stream, _LENGTH.unpack(head)[0])


def frame(body: bytes) -> bytes:
    return _LENGTH.pack(len(body)) + body


def serve(answer: Callable[[bytes], bytes], source: IO[bytes], sink: IO[bytes]) -> None:
    """In a child: answer each request until the parent closes the pipe."""
    while True:
        body = read_frame(source)
        if body is None:
            return
        sink.write(frame(answer(body)))
        sink.flush()


def run_child(answer: Callable[[bytes], bytes]) -> None:
    """A child's ``main()``: serve on standard input and output until they close."""
    with contextlib.suppress(*_CHILD_STOPS):
        serve(answer, sys.stdin.buffer, sys.stdout.buffer)


class WorkerPool:
    """A few worker processes, given requests in turn; answers are read back in the order
    the requests were sent.

    A parent whose answers can be large must read a worker's answer before it sends that
    worker another request (with more than a pipe's worth unread both ways, each side
    would wait for the other); requests handed out in turn and answers read oldest first do
    that when no more requests wait than there are workers."""

    def __init__(self, count: int, boot: str):
        self._procs: list[subprocess.Popen[bytes]] = []
        self._turn = 0
        self._waiting: deque[int] = deque()  # which worker each unanswered request went to
        self.broken = False
        try:
            for _ in range(count):
                self._procs.append(
                    subprocess.Popen(
                        [sys.executable, "-I", "-c", boot, json.dumps(sys.path)],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                    )
                )
        except (OSError, ValueError, TypeError):  # no python to start (sys.executable empty)
            self.broken = True

    @property
    def size(self) -> int:
        return len(self._procs)

    @property
    def unanswered(self) -> int:
        return len(self._waiting)

    def send_frame(self, body: bytes) -> bool:
        """Hand a request to the next worker; False if it could not be handed over."""
        if self.broken:
            return False
        index = self._turn
        self._turn = (self._turn + 1) % len(self._procs)
        stdin = self._procs[index].stdin
        try:
            assert stdin is not None
            stdin.write(frame(body))
            stdin.flush()
        except (OSError, ValueError):
            self.broken = True
            return False
        self._waiting.append(index)
        return True

    def answer_frame(self) -> bytes | None:
        """The oldest request's answer; None if its worker gave none."""
        index = self._waiting.popleft()
        if self.broken:
            return None
        stdout = self._procs[index].stdout
        try:
            assert stdout is not None
            body = read_frame(stdout)
        except (OSError, ValueError):
            body = None
        if body is None:
            self.broken = True
        return body

    def close(self) -> None:
        """Stop the workers: their pipes closed (a worker still writing an answer no one
        will read stops at once), then each waited for."""
        for proc in self._procs:
            for pipe in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    if pipe is not None:
                        pipe.close()
        for proc in self._procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
