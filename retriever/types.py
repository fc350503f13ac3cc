"""Typed results and requests of the public API. Their shape never depends on settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, overload

from indexers.languages import KNOWN_LANGUAGES
from retriever.errors import InvalidQueryError

#: How a search finds candidates: dense and lexical fused, or one of them alone.
SearchMode = Literal["hybrid", "dense", "lexical"]
SEARCH_MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
#: How a search checks its hits' files: not at all, dropping stale hits (True) or flagging them.
Verify = bool | Literal["drop", "flag"]
#: The most hits (``k``) one search returns, whoever asks: Python, CLI, HTTP or MCP.
MAX_HITS = 1000
#: The longest query, in characters.
MAX_QUERY_CHARS = 8192
#: Called with (files done, files total, current path) as indexing goes; a callback that takes
#: a fourth argument also gets the run's ``IndexReport`` so far (chunks and tokens encoded).
Progress = Callable[[int, int, str], None] | Callable[[int, int, str, "IndexReport"], None]
#: The most files an index report names as skipped for their content.
MAX_REPORTED_SKIPS = 100
#: The root recorded for text uploaded directly (no file on disk behind it).
VIRTUAL_ROOT = "virtual:"


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage. ``path`` is relative to the root it was indexed from.
    ``file_hash`` is the hash of the file's bytes as indexed (its document's ``content_hash``);
    ``stale`` says whether the file has changed since, when the search verified it (else
    None). A passage of a PDF, a deck or a notebook says where a person looks: ``unit``
    (``page``, ``slide`` or ``cell``) and the first and last one it covers (``start_unit``,
    ``end_unit``, 1-based); its lines are those of the document's extracted text. All three
    are None for text files and Word documents."""

    path: str
    start_line: int
    end_line: int
    text: str
    score: float
    language: str
    kind: str
    symbol: str | None
    heading: str | None
    chunk_id: str
    doc_id: str
    file_hash: str
    stale: bool | None = None
    #: The label `index --classify-labels` gave the chunk, if any.
    label: str | None = None
    unit: str | None = None
    start_unit: int | None = None
    end_unit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SearchResult(Sequence[Hit]):
    """What a search found: the ``hits``, best first; ``timings`` in milliseconds (``encode_ms``,
    ``search_ms``, and ``verify_ms`` / ``rerank_ms`` when those stages ran); and the
    ``generation`` of the index that answered (every hit is a chunk of it; None: a rebuild from
    the rows not yet published). It is also a sequence of its hits, so ``for hit in
    r.search(q)`` and ``r.search(q)[0]`` read as before."""

    hits: list[Hit]
    timings: dict[str, float] = field(default_factory=dict)
    generation: int | None = None

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        return self.hits[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SearchResult):
            return (self.hits, self.timings, self.generation) == (
                other.hits,
                other.timings,
                other.generation,
            )
        if isinstance(other, list | tuple):
            return self.hits == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": [hit.to_dict() for hit in self.hits],
            "timings": dict(self.timings),
            "generation": self.generation,
        }


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrict a search. ``path_glob`` matches the whole relative path (``*`` spans ``/``);
    ``symbol`` is a glob over qualified names (``Uploader.*``); ``language`` and ``kind``
    accept one value or several, and so does ``label`` (labels given at ingest)."""

    path_glob: str | None = None
    language: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    symbol: str | None = None
    label: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: Filters | Mapping[str, Any] | None) -> Filters:
        if value is None or isinstance(value, Filters):
            return value or cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise InvalidQueryError(
                f"unknown filter {unknown[0]!r}; known filters: {', '.join(sorted(known))}"
            )
        return cls(
            path_glob=_glob(value.get("path_glob"), "path_glob"),
            language=check_languages(_strings(value.get("language"), "language")),
            kind=_strings(value.get("kind"), "kind"),
            symbol=_glob(value.get("symbol"), "symbol"),
            label=_strings(value.get("label"), "label"),
        )

    def __bool__(self) -> bool:
        return bool(self.path_glob or self.language or self.kind or self.symbol or self.label)


def is_encodable(text: str) -> bool:
    """Whether ``text`` is valid Unicode (JSON can smuggle in lone surrogates, which no
    database or tokenizer can take)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _checked(value: str, name: str) -> str:
    # SQLite compares text up to a NUL, so a NUL would silently change what a filter means.
    if "\0" in value or not is_encodable(value):
        raise InvalidQueryError(f"filter {name!r} must be text without NUL or lone surrogates")
    return value


def _glob(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidQueryError(f"filter {name!r} must be a string")
    if not value:
        return None
    _checked(value, name)
    position = value.find("[")
    while position != -1:
        # SQLite's GLOB: a class ends at the first ']' after its first member (after any '^').
        first = position + (2 if value[position + 1 : position + 2] == "^" else 1)
        closing = value.find("]", first + 1)
        if closing == -1:
            raise InvalidQueryError(
                f"invalid glob {value!r} for {name}: unclosed '[' (a class such as [a-z] needs "
                "its ']'; write [[] for a literal '[')"
            )
        position = value.find("[", closing + 1)
    return value


def check_languages(languages: tuple[str, ...]) -> tuple[str, ...]:
    """``languages`` if every one is a language files are given, else a clear error."""
    for language in languages:
        if language not in KNOWN_LANGUAGES:
            raise InvalidQueryError(
                f"unknown language {language!r}; known languages: "
                f"{', '.join(sorted(KNOWN_LANGUAGES))}"
            )
    return languages


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (_checked(value, name),)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(_checked(v, name) for v in value)
    raise InvalidQueryError(f"filter {name!r} must be a string or a list of strings")


@dataclass(slots=True)
class IndexReport:
    """What one ``index`` run did."""

    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_skipped: dict[str, int] = field(default_factory=dict)
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_encoded: int = 0
    tokens_encoded: int = 0
    seconds: float = 0.0
    chunks_labelled: int = 0
    #: The files this run read and skipped for their content (minified, generated, binary,
    #: empty): ``path``, ``reason`` and ``detail`` each, at most ``MAX_REPORTED_SKIPS``.
    skipped_for_content: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Status:
    """The state of an index, as ``retriever status`` shows it."""

    index_dir: str
    model: dict[str, Any]
    settings: dict[str, Any]
    roots: list[str]
    documents: int
    chunks: int
    languages: dict[str, int]
    skipped: dict[str, int]
    skipped_files: list[dict[str, str]]
    generation: int | None
    vectors: int
    size_bytes: int
    #: Root -> where its git work tree stands: the commit indexed, HEAD now, uncommitted
    #: changes, and whether the tree has moved since (for roots in a git work tree).
    git: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """An indexed document. ``root`` is the directory it was indexed from, or ``virtual:`` for
    text uploaded directly."""

    doc_id: str
    root: str
    path: str
    language: str
    encoding: str
    size: int
    content_hash: str
    indexed_at: float
    chunks: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DocumentPage:
    total: int
    documents: list[DocumentSummary]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
