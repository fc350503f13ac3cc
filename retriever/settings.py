"""All settings in one place: CLI flags > environment (RETRIEVER_*) > retriever.toml > defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

#: The config file read from the working directory when present.
CONFIG_FILE = "retriever.toml"


class Settings(BaseSettings):
    """Engine settings; each field's description is its documentation."""

    model_config = SettingsConfigDict(
        env_prefix="RETRIEVER_", toml_file=CONFIG_FILE, extra="forbid", validate_default=True
    )

    index: Path = Field(Path(".retriever"), description="Index directory.")
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
