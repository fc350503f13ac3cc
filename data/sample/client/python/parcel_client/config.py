"""Client configuration: file, profile, environment, in that order of precedence.

Settings are read from ``~/.config/parcel/config.toml`` (or the file named by
``PARCEL_CONFIG``). The file holds one table per *profile*; ``PARCEL_PROFILE``
picks one (default: ``default``). Environment variables such as
``PARCEL_API_KEY`` override whatever the file says, which is what CI jobs want.

Example file::

    [default]
    api_url = "https://api.parcel.example"
    api_key = "pk_live_..."

    [staging]
    api_url = "https://api.staging.parcel.example"
    part_size_mib = 16
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

DEFAULT_PATH = Path("~/.config/parcel/config.toml")
MIB = 1024 * 1024


class ConfigError(Exception):
    """The configuration is missing a required value or has a bad one."""


@dataclass(frozen=True)
class ClientConfig:
    api_url: str = "https://api.parcel.example"
    api_key: str = ""
    part_size: int = 8 * MIB
    timeout_seconds: float = 60.0
    max_attempts: int = 5
    max_backoff_seconds: float = 30.0
    verify_tls: bool = True

    def validate(self) -> ClientConfig:
        if not self.api_key:
            raise ConfigError("no API key: set PARCEL_API_KEY or api_key in the config file")
        if not self.api_key.startswith(("pk_live_", "pk_test_")):
            raise ConfigError("API keys start with pk_live_ or pk_test_")
        if not 5 * MIB <= self.part_size <= 512 * MIB:
            raise ConfigError("part size must be between 5 MiB and 512 MiB")
        if self.max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1")
        return self


#: Environment variable -> (field, converter).
ENVIRONMENT = {
    "PARCEL_API_URL": ("api_url", str),
    "PARCEL_API_KEY": ("api_key", str),
    "PARCEL_PART_SIZE_MIB": ("part_size", lambda v: int(v) * MIB),
    "PARCEL_TIMEOUT": ("timeout_seconds", float),
    "PARCEL_MAX_ATTEMPTS": ("max_attempts", int),
    "PARCEL_VERIFY_TLS": ("verify_tls", lambda v: v.lower() not in {"0", "false", "no"}),
}


def _from_table(table: dict) -> dict:
    """Translate a profile table into ClientConfig field values."""
    known = {f.name for f in fields(ClientConfig)}
    values = {}
    for key, value in table.items():
        if key == "part_size_mib":
            values["part_size"] = int(value) * MIB
        elif key in known:
            values[key] = value
        else:
            raise ConfigError(f"unknown setting {key!r}")
    return values


def load_config(path: Path | None = None, profile: str | None = None,
                environ: dict[str, str] | None = None) -> ClientConfig:
    """Build the effective configuration and validate it."""
    environ = dict(os.environ if environ is None else environ)
    path = (path or Path(environ.get("PARCEL_CONFIG", DEFAULT_PATH))).expanduser()
    profile = profile or environ.get("PARCEL_PROFILE", "default")

    config = ClientConfig()
    if path.exists():
        with path.open("rb") as handle:
            document = tomllib.load(handle)
        if profile not in document and profile != "default":
            raise ConfigError(f"profile {profile!r} not found in {path}")
        config = replace(config, **_from_table(document.get(profile, {})))

    for variable, (name, convert) in ENVIRONMENT.items():
        if variable in environ:
            try:
                config = replace(config, **{name: convert(environ[variable])})
            except ValueError as error:
                raise ConfigError(f"{variable}: {error}") from error
    return config.validate()
