"""What the commands share: turning errors into one line, progress bars, the masked LM of the
settings, and loading heavy parts only when a command needs them."""

from __future__ import annotations

import importlib
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from retriever.cli.display import err, safe
from retriever.errors import RetrieverError
from retriever.settings import Settings

if TYPE_CHECKING:
    from retriever.engine import Retriever
    from retriever.ingest.indexing import Progress as IndexProgress
    from retriever.masked_lm.tasks import MaskedLM
    from retriever.types import IndexReport


class Lazy:
    """A class of a module imported on first use: ``Lazy("retriever.engine", "Retriever").open``
    imports the engine then, so `retriever --help` loads neither SQLAlchemy nor torch."""

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(getattr(importlib.import_module(self._module), self._name), attribute)


class ConsoleHandler(logging.Handler):
    """Warnings as one line each on stderr, e.g. the offline model fallback."""

    def emit(self, record: logging.LogRecord) -> None:
        colour = "red" if record.levelno >= logging.ERROR else "yellow"
        err.print(f"[{colour}]{record.levelname.lower()}:[/] {safe(record.getMessage())}")


def _given(**options: Any) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None}


def _split(values: str | None) -> list[str] | None:
    return [item.strip() for item in values.split(",")] if values else None


def _masked_lm(mlm_model: str | None) -> MaskedLM:
    """The masked LM of the settings: it needs no index."""
    from retriever.masked_lm.tasks import MaskedLM

    settings = Settings(**_given(mlm_model=mlm_model))
    return MaskedLM(settings.mlm_model, device=settings.device, batch_tokens=settings.batch_tokens)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except RetrieverError as error:
        err.print(f"[bold red]error:[/] {safe(error)}")
        raise typer.Exit(1) from None
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        err.print(f"[bold red]error:[/] invalid setting {safe(field)}: {safe(problem['msg'])}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted: what was committed stays in the index")
        raise typer.Exit(130) from None


@contextmanager
def _open_for_writing(
    index_dir: Path | None, paths: list[Path], settings: dict[str, Any]
) -> Iterator[Retriever]:
    """Open (or create) the index for indexing ``paths``, once they are known to exist: a
    mistyped path must not leave an empty index behind, and neither must a first run that
    fails before it wrote anything (an unknown model, say)."""
    from retriever.engine import Retriever
    from retriever.ingest.indexing import Root
    from retriever.store.backend import is_database_url

    for path in paths:
        Root.from_argument(path)
    location = Settings(**settings, **_given(index=index_dir)).index
    created = None if is_database_url(location) else _first_missing(Path(location))
    retriever = Retriever.open(index_dir, create=True, **settings)
    try:
        yield retriever
    except BaseException:
        unused = created is not None and _unused(retriever)
        retriever.close()
        if unused:
            shutil.rmtree(created, ignore_errors=True)
        raise
    retriever.close()


def _unused(retriever: Retriever) -> bool:
    """Whether the index holds no document (a failed first run wrote nothing worth keeping)."""
    try:
        return not retriever.status().documents
    except RetrieverError:
        return False


def _first_missing(path: Path) -> Path | None:
    """The outermost directory of ``path`` that does not exist yet (None: it exists)."""
    missing = None
    for candidate in [path, *path.parents]:
        if candidate.exists():
            break
        missing = candidate
    return missing


#: The estimate of the time left shows once a run has taken this long (short runs need none).
ETA_AFTER_SECONDS = 10.0


class _EncodedColumn(ProgressColumn):
    """Chunks and tokens encoded so far."""

    def render(self, task: Task) -> Text:
        chunks, tokens = task.fields.get("chunks", 0), task.fields.get("tokens", 0)
        return Text(f"{chunks:,} chunks, {tokens:,} tokens encoded" if chunks else "")


class _EtaColumn(ProgressColumn):
    """The time left, on long runs, from the pace of files so far."""

    def render(self, task: Task) -> Text:
        left = task.time_remaining
        if left is None or (task.elapsed or 0.0) < ETA_AFTER_SECONDS or task.finished:
            return Text("")
        return Text(f"ETA {timedelta(seconds=round(left))}")


@contextmanager
def _progress(idle: str = "indexing") -> Iterator[IndexProgress]:
    """A progress bar on stderr (when it is a terminal), as an indexing progress callback:
    files done of all, chunks and tokens encoded, time taken and (on long runs) left; ``idle``
    is shown between files."""
    bar = Progress(
        TextColumn("[progress.description]{task.description}", table_column=None),
        BarColumn(),
        MofNCompleteColumn(),
        _EncodedColumn(),
        TimeElapsedColumn(),
        _EtaColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with bar:
        task = bar.add_task(idle, total=None)

        def advance(done: int, total: int, path: str, report: IndexReport | None = None) -> None:
            encoded = (report.chunks_encoded, report.tokens_encoded) if report else (0, 0)
            bar.update(
                task,
                completed=done,
                total=total,
                description=safe(path) if path else idle,
                chunks=encoded[0],
                tokens=encoded[1],
            )

        yield advance
