"""All settings in one place: CLI flags > environment (RETRIEVER_*) > retriever.toml > defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

#: URL schemes that put an index on PostgreSQL (see retriever.backend).
DATABASE_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")
#: The config file read from the working directory when present.
CONFIG_FILE = "retriever.toml"


class Settings(BaseSettings):
    """Engine settings; each field's description is its documentation."""

    model_config = SettingsConfigDict(
        env_prefix="RETRIEVER_", toml_file=CONFIG_FILE, extra="forbid", validate_default=True
    )

    index: Path | str = Field(
        Path(".retriever"),
        description="Index directory, or a PostgreSQL URL (postgresql://user@host/database) "
        "to keep the index in PostgreSQL with pgvector.",
    )
    model: str = Field(
        "auto",
        description=(
            "Encoder: 'auto' (gte-modernbert-base from the local cache or the hub, else the "
            "bundled all-MiniLM-L6-v2), 'minilm' (the bundled model), a hub id or a local "
            "directory. An existing index always reopens with the model it was built with."
        ),
    )
    device: Literal["auto", "cpu", "cuda", "mps"] = Field(
        "auto", description="Where the encoder runs; 'auto' picks CUDA when available."
    )
    chunk_tokens: int = Field(
        512,
        ge=32,
        le=8192,
        description="Token budget per chunk, counted in the encoder's tokenizer with special "
        "tokens and prefix; capped at the model's maximum input length.",
    )
    max_file_bytes: int = Field(1 << 20, ge=1, description="Files larger than this are skipped.")
    read_only: bool = Field(
        False,
        description="Open the index for searching only: nothing in it is created or changed "
        "(an index whose files this user cannot write opens so anyway).",
    )
    include_secret_files: bool = Field(
        False, description="Index likely-secret files (.env, private keys, credentials)."
    )
    batch_tokens: int = Field(
        16384, ge=512, description="Token budget of one encoding batch (padding included)."
    )
    query_prefix: str | None = Field(
        None, description="Text put before each query; default: the model's own 'query' prompt."
    )
    document_prefix: str | None = Field(
        None,
        description="Text put before each chunk; default: the model's own 'document' prompt.",
    )

    roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Paths that `POST /v1/index` re-indexes; default: the roots already indexed. "
        "Comma-separated in the environment.",
    )
    api_read_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="API keys for search, context, embeddings, similarity, the masked-LM tools "
        "and status (comma-separated). "
        "With no keys at all, the API is open and only binds to loopback.",
    )
    api_admin_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="API keys that may also write: documents, re-index (comma-separated).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed by CORS (comma-separated); none: CORS off.",
    )
    max_request_bytes: int = Field(
        1 << 20, ge=1024, description="Larger HTTP request bodies are refused with 413."
    )
    watch_debounce_ms: int = Field(
        200,
        ge=10,
        le=60_000,
        description="Watch mode applies changes once files have been quiet this long "
        "(milliseconds), so a burst such as a branch switch becomes one update.",
    )
    mlm_model: str = Field(
        "answerdotai/ModernBERT-base",
        description="Masked language model for fill-mask, classify and cloze: a hub id "
        "(e.g. answerdotai/ModernBERT-large) or a local directory; loaded on first use.",
    )
    precision: Literal["auto", "fp32", "bf16", "fp16", "int8"] = Field(
        "auto",
        description="Encoder arithmetic: 'auto' (bf16 on CPUs with native bf16 (AVX-512 BF16 or "
        "AMX) and on CUDA, else fp32), fp32, bf16, int8 (CPU only, dynamic quantization) or "
        "fp16 (CUDA only).",
    )
    context_header: bool = Field(
        False,
        description="Embed each chunk with a short header (its path, and its symbol or heading "
        "breadcrumb), counted in the chunk's token budget. Changing it re-encodes the index.",
    )
    late_chunking: bool = Field(
        False,
        description="Encode each file in windows as long as the model reads and mean-pool "
        "every chunk's tokens, so a chunk's vector carries its file's context (mean-pooling "
        "models only). Changing it re-encodes the index.",
    )
    ranking: Literal["code", "files", "off"] = Field(
        "code",
        description="The model-free ranking stage after retrieval: 'code' (definitions of the "
        "names a symbol query mentions first; tests, examples and generated code and tiny "
        "fragments lower; lexical weighed up for symbol queries), 'files' (also path terms, "
        "file-level evidence and one file per place where possible: for questions whose "
        "answers are whole files) or 'off' (plain reciprocal rank fusion, raw scores).",
    )
    rerank_model: str = Field(
        "Alibaba-NLP/gte-reranker-modernbert-base",
        description="Cross-encoder for searches with rerank: a hub id (local cache or hub) "
        "or a local directory; any sentence-transformers CrossEncoder.",
    )
    rerank_depth: int = Field(
        50, ge=1, le=1000, description="How many candidates the cross-encoder re-scores."
    )
    vector_compression: Literal["auto", "none", "int8", "binary"] = Field(
        "auto",
        description="What the vector index stores per vector: 'auto' (floats below 1M vectors, "
        "8-bit codes from 1M), 'none' (floats), 'int8' (8-bit codes, 4x smaller) or 'binary' "
        "(sign bits, 32x smaller); searches of codes are rescored from the float vectors "
        "SQLite keeps. Applied by the next index run; an index keeps its choice until then.",
    )

    @field_validator("index", mode="before")
    @classmethod
    def _directory_or_url(cls, value: object) -> object:
        """A database URL stays a string (a path would fold its ``//``); anything else is a
        directory."""
        if isinstance(value, str) and not value.startswith(DATABASE_SCHEMES):
            return Path(value)
        return value

    @field_validator("roots", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("api_read_keys", "api_admin_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """Keys are split on commas but never dropped: a blank one is refused below."""
        if isinstance(value, str):
            return [item.strip() for item in value.split(",")] if value else []
        return value

    @field_validator("api_read_keys", "api_admin_keys")
    @classmethod
    def _no_blank_keys(cls, keys: list[str]) -> list[str]:
        """A blank key would be dropped and leave the API open: a configuration error."""
        if any(not key.strip() for key in keys):
            raise ValueError("an API key is empty or only whitespace; remove it or set a key")
        return keys

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)
