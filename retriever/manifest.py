"""The index manifest: how an index was built, and the checks that keep it consistent."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from indexers.chunking import CHUNKER_VERSION
from retriever.encoding.encoder import Encoder, ModelFingerprint
from retriever.encoding.late_chunking import check_pooling
from retriever.encoding.models import resolve_model
from retriever.errors import CorruptIndexError, ModelMismatchError
from retriever.settings import Settings
from retriever.store import SCHEMA_VERSION
from retriever.store.protocols import MetadataStore

#: What the vectors depend on besides the model and the chunks; a change re-encodes the index.
EMBEDDING_SETTINGS = ("context_header", "late_chunking")


def new_manifest(
    fingerprint: ModelFingerprint, settings: Settings, precision: str
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "created_at": time.time(),
        "model": fingerprint.to_dict(),
        # For the record only: vectors from another precision are close enough to mix (see
        # docs/benchmarks.md, "Speed"), so a different precision later is not refused.
        "precision": precision,
        "chunk_tokens": min(settings.chunk_tokens, fingerprint.max_tokens),
        "chunker_version": CHUNKER_VERSION,
        "embedding": embedding_settings({}, settings),
        "vector_compression": settings.vector_compression,
    }


def recorded_embedding(manifest: dict[str, Any]) -> dict[str, bool] | None:
    """How the index embeds chunks (an index from before these settings: neither); None for
    an index with nothing in it yet."""
    if not manifest.get("model"):
        return None
    recorded = manifest.get("embedding") or {}
    return {name: bool(recorded.get(name, False)) for name in EMBEDDING_SETTINGS}


def embedding_settings(manifest: dict[str, Any], settings: Settings) -> dict[str, bool]:
    """How this run embeds chunks: as the settings say where given explicitly, else as the
    index was built, else the defaults."""
    recorded = recorded_embedding(manifest)
    return {
        name: getattr(settings, name)
        if recorded is None or name in settings.model_fields_set
        else recorded[name]
        for name in EMBEDDING_SETTINGS
    }


def vector_compression(manifest: dict[str, Any], settings: Settings) -> str:
    """How the vector index stores vectors: as the settings say where given explicitly, else
    as the index records, else the default."""
    if "vector_compression" in settings.model_fields_set:
        return settings.vector_compression
    return manifest.get("vector_compression", settings.vector_compression)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _mapping(values: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda found: (
        isinstance(found, dict)
        and all(isinstance(key, str) and values(value) for key, value in found.items())
    )


def _model(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    kinds = {"model": _is_text, "dimension": _is_int, "max_tokens": _is_int, "pooling": _is_text}
    kinds |= {name: _is_text for name in ("query_prefix", "document_prefix")}
    kinds |= {name: lambda v: v is None or isinstance(v, str) for name in ("revision", "weights")}
    return all(name in value and kinds[name](value[name]) for name in kinds)


#: What each manifest field the code reads must be (a field absent is fine: older indexes lack
#: some; ``created_at`` and ``precision`` are for the record only and never computed with).
MANIFEST_FIELDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "schema_version": ("an integer", _is_int),
    "data_version": ("an integer", _is_int),
    "model": ("a model record", _model),
    "chunk_tokens": ("an integer", _is_int),
    "chunker_version": ("an integer", _is_int),
    "embedding": ("a map of flags", _mapping(lambda v: isinstance(v, bool))),
    "vector_compression": ("text", _is_text),
    "roots": ("a list of paths", _texts),
    "reembed": ("a list of paths", _texts),
    "commits": ("a map of commits", _mapping(_is_text)),
    "labelling": ("a labelling record", lambda v: isinstance(v, dict)),
}


def check_manifest(manifest: dict[str, Any], where: str) -> None:
    """Refuse a manifest whose fields are not of the types this version writes (a damaged or
    hand-edited index), with one line rather than a TypeError deep inside."""
    for name, (kind, valid) in MANIFEST_FIELDS.items():
        if name in manifest and manifest[name] is not None and not valid(manifest[name]):
            raise CorruptIndexError(
                f"index {where} has a damaged manifest: {name!r} is not {kind} "
                f"({type(manifest[name]).__name__}); re-create the index"
            )


def check_settings(manifest: dict[str, Any], settings: Settings, where: str) -> None:
    """Refuse settings that contradict how the index was built, before any work is done."""
    check_manifest(manifest, where)
    if not manifest.get("model"):
        return
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise ModelMismatchError(
            f"index {where} has schema {manifest.get('schema_version')}, this version reads "
            f"{SCHEMA_VERSION}: re-create the index"
        )
    recorded = manifest["model"]["model"]
    if settings.model != "auto" and resolve_model(settings.model).name != recorded:
        raise ModelMismatchError(
            f"index {where} was built with model {recorded!r}, not {settings.model!r}: "
            "use another --index directory for another model"
        )
    wanted = min(settings.chunk_tokens, manifest["model"]["max_tokens"])
    if "chunk_tokens" in settings.model_fields_set and wanted != manifest["chunk_tokens"]:
        raise ModelMismatchError(
            f"index {where} was built with chunk_tokens={manifest['chunk_tokens']}: "
            "use another --index directory for another chunk size"
        )


def check_chunker(manifest: dict[str, Any], where: str) -> None:
    """An index chunked by a newer version than this one cannot be written to (an older one
    is re-chunked: see :func:`prepare_for_indexing`)."""
    recorded = manifest.get("chunker_version")
    if manifest.get("model") and isinstance(recorded, int) and recorded > CHUNKER_VERSION:
        raise ModelMismatchError(
            f"index {where} was chunked by chunker version {recorded}, newer than this "
            f"version's {CHUNKER_VERSION}: upgrade retriever, or re-create the index"
        )


def _rechunk(manifest: dict[str, Any]) -> bool:
    """Whether the index was chunked by an older chunker than this one."""
    return bool(manifest.get("model")) and manifest.get("chunker_version") != CHUNKER_VERSION


def check_fingerprint(recorded: ModelFingerprint, loaded: ModelFingerprint) -> None:
    """The loaded weights must be the ones the index's vectors came from."""
    for name in ("dimension", "pooling", "query_prefix", "document_prefix", "revision", "weights"):
        if getattr(recorded, name) != getattr(loaded, name):
            raise ModelMismatchError(
                f"model {loaded.model!r} does not match the index: {name} was "
                f"{getattr(recorded, name)!r}, is now {getattr(loaded, name)!r}"
            )


# -- upkeep: what an index run records --------------------------------------------------------
def prepare_for_indexing(
    store: MetadataStore, settings: Settings, encoder: Callable[[], Encoder]
) -> dict[str, bool]:
    """Check that this version can add to the index and record how this run embeds chunks
    (the first run records the whole manifest); returns the embedding settings of the run."""
    manifest = store.manifest()
    check_chunker(manifest, store.location)
    embedding = embedding_settings(manifest, settings)
    recorded = recorded_embedding(manifest)
    if embedding["late_chunking"] and recorded != embedding:
        check_pooling(encoder())
    if recorded is None:
        loaded = encoder()
        store.set_manifest(new_manifest(loaded.fingerprint, settings, loaded.precision))
    elif recorded != embedding or _rechunk(manifest):
        # Recorded with the roots still to re-chunk and re-embed (uploaded texts keep their
        # chunks and vectors), so an interrupted run resumes on the next one. Chunks whose
        # text did not change keep their vectors (the cache).
        pending = list(
            dict.fromkeys([*(manifest.get("reembed") or []), *manifest.get("roots", [])])
        )
        store.set_manifest(
            {"embedding": embedding, "chunker_version": CHUNKER_VERSION, "reembed": pending}
        )
    # The vectors are published with the compression the manifest records.
    compression = vector_compression(manifest, settings)
    if manifest.get("vector_compression") != compression:
        store.set_manifest({"vector_compression": compression})
    return embedding


def remember_roots(store: MetadataStore, given: Sequence[str]) -> None:
    """Record what the user asked to index (a directory, or one file of it), so a later
    re-index (`POST /v1/index`) covers exactly that."""
    store.update_manifest("roots", lambda known: list(dict.fromkeys([*(known or []), *given])))


def forget_reembed(store: MetadataStore, done: Sequence[str]) -> None:
    """These roots now have vectors of the new embedding settings."""
    store.update_manifest("reembed", lambda pending: [r for r in pending or [] if r not in done])


def remember_commits(store: MetadataStore, now: Mapping[str, str | None]) -> None:
    """Record the commit each root's work tree was at when indexed (roots outside git record
    none, and forget the one they had)."""

    def record(known: dict[str, str] | None) -> dict[str, str]:
        commits = {path: commit for path, commit in (known or {}).items() if path not in now}
        return {**commits, **{path: commit for path, commit in now.items() if commit}}

    store.update_manifest("commits", record)


def load_encoder(recorded: dict[str, Any] | None, settings: Settings) -> Encoder:
    """The encoder of the index: the model and prefixes its manifest records (checked against
    the weights loaded), or for an index with nothing in it yet, the settings' model."""
    from retriever.encoding.encoder import SentenceTransformerEncoder

    # An existing index keeps its model and the prefixes it was built with.
    source = recorded or settings.model_dump()
    encoder = SentenceTransformerEncoder(
        resolve_model(recorded["model"] if recorded else settings.model),
        device=settings.device,
        batch_tokens=settings.batch_tokens,
        query_prefix=source["query_prefix"],
        document_prefix=source["document_prefix"],
        precision=settings.precision,
    )
    check_encoder(recorded, encoder)
    return encoder


def check_encoder(recorded: dict[str, Any] | None, encoder: Encoder) -> None:
    """An encoder must be the one the index's vectors came from (any encoder fits an index
    with nothing in it yet)."""
    if recorded:
        check_fingerprint(ModelFingerprint.from_dict(recorded), encoder.fingerprint)
