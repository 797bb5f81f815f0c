"""Moving attachment bytes on other cores while age works on one.

pyrage holds the GIL while it encrypts or decrypts, but libsodium (through cffi) and hashlib
release it while they work. So an attachment's own crypto (the blob file's secretstream) and
its SHA-256 run in worker threads, beside pyrage, with a few chunks of at most 1 MiB in
between (bounded memory). Workers never touch the database; an error in a worker is raised in
the caller's thread.
"""

from __future__ import annotations

import queue
import threading

DEPTH = 4  # chunks waiting between the two threads (each at most 1 MiB)
_END = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def prefetched(chunks):
    """Yield what iterating ``chunks`` gives, produced ahead in a worker thread."""
    q: queue.Queue = queue.Queue(DEPTH)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_END)
        except BaseException as e:  # handed to the caller's thread
            put(_Failed(e))

    worker = threading.Thread(target=run, name="dossier-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()


class Consumer:
    """Apply ``work`` (e.g. a hash's update, or a blob file's write) to each piece, in order,
    in a worker thread; ``finish`` waits for the last piece and raises what ``work`` raised."""

    def __init__(self, work):
        self.work = work
        self.error: BaseException | None = None
        self._q: queue.Queue = queue.Queue(DEPTH)
        self._worker = threading.Thread(target=self._run, name="dossier-consume", daemon=True)
        self._worker.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _END:
                return
            if self.error is None:
                try:
                    self.work(item)
                except BaseException as e:
                    self.error = e

    def put(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        self._q.put(chunk)

    def finish(self) -> None:
        if self._worker.is_alive():
            self._q.put(_END)
            self._worker.join()
        if self.error is not None:
            raise self.error
