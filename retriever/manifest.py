"""The index manifest: how an index was built, and the checks that keep it consistent."""

from __future__ import annotations

import time
from typing import Any

from indexers.chunking import CHUNKER_VERSION
from retriever.encoding.encoder import ModelFingerprint
from retriever.encoding.models import resolve_model
from retriever.errors import ModelMismatchError
from retriever.settings import Settings
from retriever.store import SCHEMA_VERSION

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


def check_settings(manifest: dict[str, Any], settings: Settings, where: str) -> None:
    """Refuse settings that contradict how the index was built, before any work is done."""
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
    if manifest.get("model") and manifest.get("chunker_version") != CHUNKER_VERSION:
        raise ModelMismatchError(
            f"index {where} was chunked by chunker version {manifest.get('chunker_version')}; "
            "this version chunks differently: re-create the index"
        )


def check_fingerprint(recorded: ModelFingerprint, loaded: ModelFingerprint) -> None:
    """The loaded weights must be the ones the index's vectors came from."""
    for name in ("dimension", "pooling", "query_prefix", "document_prefix", "revision", "weights"):
        if getattr(recorded, name) != getattr(loaded, name):
            raise ModelMismatchError(
                f"model {loaded.model!r} does not match the index: {name} was "
                f"{getattr(recorded, name)!r}, is now {getattr(loaded, name)!r}"
            )
