"""Background work of the server: the warm-up behind ``/readyz`` and the re-index job."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from api.errors import ApiError
from retriever import VIRTUAL_ROOT, IndexReport, Retriever, RetrieverError, Watcher, WatchUpdate

log = logging.getLogger("retriever.api")


class Warmup:
    """Loads the model and verifies the index in a thread, so the server answers at once and
    ``/readyz`` says when it can serve."""

    def __init__(self) -> None:
        self.ready = False
        self.reason = "warming up: loading the model and verifying the index"

    def start(self, retriever: Retriever) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(retriever,), name="retriever-warmup")
        thread.daemon = True
        thread.start()
        return thread

    def _run(self, retriever: Retriever) -> None:
        try:
            retriever.warm()
        except RetrieverError as error:
            self.reason = f"warm-up failed: {error}"
        except Exception:
            log.exception("warm-up failed")
            self.reason = "warm-up failed unexpectedly; see the server log"
        else:
            self.ready = True


class GitStates:
    """Where the indexed work trees stand, for ``/v1/status``: found by running git, so at most
    once every ``max_age`` seconds and by one request at a time, whatever the request rate."""

    def __init__(self, retriever: Retriever, max_age: float = 10.0) -> None:
        self.retriever = retriever
        self.max_age = max_age
        self._lock = threading.Lock()
        self._states: dict[str, dict[str, Any]] = {}
        self._found_at: float | None = None

    def get(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            fresh = self._found_at is not None and time.monotonic() - self._found_at < self.max_age
            if not fresh:
                self._states = self.retriever.git_states()
                self._found_at = time.monotonic()
            return self._states


def roots_to_index(retriever: Retriever) -> list[str]:
    """The configured roots, else the paths indexed before that still exist (never uploaded
    text)."""
    if retriever.settings.roots:
        return [str(root) for root in retriever.settings.roots]
    return [
        root
        for root in retriever.status(git=False).roots
        if root != VIRTUAL_ROOT and Path(root).exists()
    ]


def watcher_for(retriever: Retriever) -> Watcher:
    """A watcher over the roots re-indexing would cover, logging its updates and errors."""
    roots = roots_to_index(retriever)
    if not roots:
        raise RetrieverError(
            "nothing to watch: no roots configured (RETRIEVER_ROOTS) and no indexed "
            "directory exists"
        )

    def updated(update: WatchUpdate) -> None:
        report = update.report
        log.info(
            "watch: %s changed paths, %d files updated, %d removed, %d chunks encoded in %.2fs",
            update.changed if update.changed is not None else "all",
            report.files_indexed,
            report.files_removed,
            report.chunks_encoded,
            report.seconds,
        )

    def failed(error: RetrieverError) -> None:
        log.warning("watch: %s", error)

    return Watcher(retriever, roots, on_update=updated, on_error=failed)


class IndexJob:
    """The server's one re-index job: at most one runs at a time, in a background thread."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self._guard = threading.Lock()
        self._state = "idle"
        self._roots: list[str] = []
        self._progress: dict[str, Any] = {"done": 0, "total": None, "current": None}
        self._started_at: float | None = None
        self._finished_at: float | None = None
        self._report: IndexReport | None = None
        self._error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> dict[str, Any]:
        """Start re-indexing the roots; 409 while a run is at work or with nothing to index."""
        with self._guard:
            if self._state == "running":
                raise ApiError(409, "job_running", "a re-index job is already running")
            roots = roots_to_index(self.retriever)
            if not roots:
                raise ApiError(
                    409,
                    "no_roots",
                    "nothing to re-index: no roots configured (settings.roots) and no "
                    "indexed directory exists",
                )
            self._state, self._roots = "running", roots
            self._progress = {"done": 0, "total": None, "current": None}
            self._started_at, self._finished_at = time.time(), None
            self._report = self._error = None
            self._thread = threading.Thread(
                target=self._run, args=(roots,), name="retriever-index", daemon=True
            )
            self._thread.start()
            return self._snapshot()

    def state(self) -> dict[str, Any]:
        with self._guard:
            return self._snapshot()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running job (if any) to finish."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, roots: list[str]) -> None:
        report: IndexReport | None = None
        error: str | None = None
        try:
            report = self.retriever.index(roots, progress=self._advance)
        except RetrieverError as failure:
            error = str(failure)
        except Exception as failure:
            log.exception("re-index job failed")
            error = f"unexpected {type(failure).__name__}; see the server log"
        with self._guard:
            self._state = "failed" if error else "succeeded"
            self._report, self._error = report, error
            self._finished_at = time.time()
            self._progress["current"] = None

    def _advance(self, done: int, total: int, path: str) -> None:
        with self._guard:
            self._progress = {"done": done, "total": total, "current": path or None}

    def _snapshot(self) -> dict[str, Any]:
        return {
            "state": self._state,
            "roots": list(self._roots),
            "progress": dict(self._progress),
            "started_at": self._started_at,
            "finished_at": self._finished_at,
            "report": self._report.to_dict() if self._report else None,
            "error": self._error,
        }
