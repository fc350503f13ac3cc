"""Watch mode: keep an index current as files change.

File-system events (through ``watchfiles``) are gathered until the tree has been quiet for the
debounce time, so a burst — an editor's save, a branch switch rewriting thousands of files —
becomes one small incremental update of just the paths it touched. Events under the index
directory and in directories discovery never enters are dropped before they cost anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import watchfiles

from indexers.skip_rules import ALWAYS_SKIPPED
from retriever.errors import IndexLockedError, RetrieverError
from retriever.ingest.indexing import Progress, Root
from retriever.settings import Settings
from retriever.types import IndexReport

log = logging.getLogger("retriever.watch")

#: The longest a continuous stream of events is gathered before an update runs anyway.
MAX_GATHER_MS = 5000
#: How often the loop wakes when idle, to retry an update another writer held up.
IDLE_WAKE_MS = 1000


@dataclass(frozen=True, slots=True)
class WatchUpdate:
    """One update: how many changed paths it covered (None for the initial index)."""

    changed: int | None
    report: IndexReport
    finished_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Indexable(Protocol):
    """What a watch needs of the index it keeps current (a :class:`retriever.Retriever`)."""

    settings: Settings
    directory: Path | None

    def index(
        self,
        paths: Sequence[str | Path],
        *,
        progress: Progress | None = ...,
        changed: Iterable[str | Path] | None = ...,
    ) -> IndexReport: ...

    def warm(self) -> None: ...


class WatchStopped(RetrieverError):
    """The watch was asked to stop; work committed so far stays in the index."""


class Watcher:
    """Indexes ``paths`` once, then applies their changes until ``stop`` is set."""

    def __init__(
        self,
        retriever: Indexable,
        paths: Sequence[str | Path],
        *,
        on_update: Callable[[WatchUpdate], None],
        on_error: Callable[[RetrieverError], None],
        stop: threading.Event | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.retriever = retriever
        self.roots = [Root.from_argument(path) for path in paths]
        self.paths = [str(root.path) for root in self.roots]
        self.on_update = on_update
        self.on_error = on_error
        self.stop = stop or threading.Event()
        self.progress = progress
        # An index on a database server has no directory to keep out of the watch.
        self.index_dir = retriever.directory.resolve() if retriever.directory else None

    def run(self) -> None:
        """Watch until stopped. Raises ``WatchStopped`` when stopped part-way through an
        update (between files: what was committed stays, the rest is found next time)."""
        debounce = self.retriever.settings.watch_debounce_ms
        events = watchfiles.watch(
            *{root.directory for root in self.roots},
            watch_filter=self._relevant,
            debounce=max(MAX_GATHER_MS, debounce),
            step=debounce,
            stop_event=self.stop,
            rust_timeout=IDLE_WAKE_MS,
            yield_on_timeout=True,
            raise_interrupt=False,
        )
        # Once the first (idle) wake-up returns, events are being collected: the initial index
        # cannot miss a change made while it runs (and covers what came before).
        next(events, None)
        report = self.retriever.index(self.paths, progress=self._advance)
        # Load the model now, not on the first edit: an unchanged tree never needed it.
        self.retriever.warm()
        self.on_update(WatchUpdate(None, report, time.time()))
        pending: set[str] = set()
        for changes in events:
            pending |= {path for _, path in changes}
            if pending and self._update(pending):
                pending.clear()

    def _update(self, changed: set[str]) -> bool:
        """Apply ``changed``; False when another writer held the index, so the caller keeps
        the changes and retries."""
        try:
            report = self.retriever.index(self.paths, changed=changed, progress=self._advance)
        except IndexLockedError:
            return False
        except WatchStopped:
            raise
        except RetrieverError as error:
            self.on_error(error)
            return True
        self.on_update(WatchUpdate(len(changed), report, time.time()))
        return True

    def _advance(self, done: int, total: int, path: str) -> None:
        if self.stop.is_set():
            raise WatchStopped("stopped: what was committed stays in the index")
        if self.progress is not None:
            self.progress(done, total, path)

    def _relevant(self, _change: watchfiles.Change, path: str) -> bool:
        """Whether an event can matter: inside a root (its one file, for a file root), not in
        the index directory, not in a directory discovery never enters."""
        changed = Path(path)
        if self.index_dir is not None and changed.is_relative_to(self.index_dir):
            return False
        for root in self.roots:
            if changed.is_relative_to(root.directory):
                relative = changed.relative_to(root.directory)
                if root.only is not None:
                    return relative.as_posix() == root.only
                return ALWAYS_SKIPPED.isdisjoint(relative.parts)
        return False


def run_in_thread(watcher: Watcher) -> threading.Thread:
    """Run ``watcher`` in a daemon thread (a server's); it ends when ``watcher.stop`` is set."""

    def loop() -> None:
        try:
            watcher.run()
        except WatchStopped:
            pass
        except RetrieverError as error:
            watcher.on_error(error)
        except Exception:
            log.exception("the watcher stopped unexpectedly")

    thread = threading.Thread(target=loop, name="retriever-watch", daemon=True)
    thread.start()
    return thread
