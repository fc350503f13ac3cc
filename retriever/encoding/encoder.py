"""The encoder: chunk and query text -> normalised vectors. With precision.py and
local_attention.py, which it loads, the only modules importing torch."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from retriever.encoding.batching import plan_batches
from retriever.encoding.models import LOADING, ResolvedModel, weights_checksum
from retriever.encoding.precision import Precision, apply_precision, resolve_precision
from retriever.errors import InvalidQueryError, ModelError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger("retriever")


@dataclass(frozen=True, slots=True)
class ModelFingerprint:
    """What an index's vectors depend on; recorded in the manifest and checked on open."""

    model: str
    revision: str | None
    weights: str | None
    dimension: int
    pooling: str
    query_prefix: str
    document_prefix: str
    max_tokens: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelFingerprint:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


class Encoder(Protocol):
    fingerprint: ModelFingerprint
    precision: str

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text`` as a document: special tokens and prefix included."""

    def count_text_tokens(self, text: str) -> int:
        """Tokens of ``text`` inside a longer prompt: no special tokens, no prefix."""

    def encode_documents(self, texts: Sequence[str], token_counts: Sequence[int]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    def encode_query(self, text: str) -> np.ndarray:
        """One unit-length float32 vector."""

    @property
    def window_tokens(self) -> int:
        """The longest input the model can read at all: its position table's size."""

    def encode_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Encode ``text`` as one document and mean-pool the tokens of each character span:
        unit-length float32 vectors, one row per span."""


def load_text_counter(name: str) -> Callable[[str], int]:
    """A plain-text token counter from a tokenizer the local Hugging Face cache holds, named
    by its hub id. Never downloads, and never reads a path: the name may come from the network
    (``/v1/context``), so it is looked up only in the cache, and every name the cache lacks (a
    path to a real file included) gets the same answer."""
    from huggingface_hub import try_to_load_from_cache
    from tokenizers import Tokenizer

    try:
        cached = try_to_load_from_cache(name, "tokenizer.json")
    except ValueError:  # not a hub id: a path, or nothing at all
        cached = None
    if not isinstance(cached, str):
        raise InvalidQueryError(
            f"tokenizer {name!r} is not available locally: give the hub id of a tokenizer in "
            "the local Hugging Face cache"
        )
    try:
        tokenizer = Tokenizer.from_file(cached)
    except Exception:  # a cached file that is not a tokenizer
        raise InvalidQueryError(f"tokenizer {name!r} in the local cache cannot be loaded") from None
    tokenizer.no_truncation()
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SentenceTransformerEncoder:
    """Any sentence-transformers model (ModernBERT encoders included) on CPU or GPU."""

    def __init__(
        self,
        resolved: ResolvedModel,
        *,
        device: str = "auto",
        batch_tokens: int = 16384,
        query_prefix: str | None = None,
        document_prefix: str | None = None,
        precision: Precision = "fp32",
    ) -> None:
        from sentence_transformers import SentenceTransformer
        from tokenizers import Tokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # our own progress is on stderr already

        device = pick_device(device)
        self.precision = resolve_precision(precision, device)
        try:
            with LOADING:
                self.model = SentenceTransformer(
                    str(resolved.path), device=device, local_files_only=True
                )
        except Exception as error:  # corrupt or incompatible weights: one clear line
            raise ModelError(f"cannot load model {resolved.name!r}: {error}") from error
        self.model.eval()
        apply_precision(self.model, self.precision)
        from retriever.encoding.local_attention import choose_attention

        self.attention = choose_attention(self.model, device)
        self.batch_tokens = batch_tokens
        prompts = self.model.prompts or {}
        self.query_prefix = query_prefix if query_prefix is not None else prompts.get("query", "")
        self.document_prefix = (
            document_prefix if document_prefix is not None else prompts.get("document", "")
        )
        backend = getattr(self.model.tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise ModelError(f"model {resolved.name!r} has no fast tokenizer")
        # A private copy without truncation, so counts are true lengths.
        self._tokenizer = Tokenizer.from_str(backend.to_str())
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        pooling = next((m for m in self.model if hasattr(m, "pooling_mode")), None)
        self.fingerprint = ModelFingerprint(
            model=resolved.name,
            revision=resolved.revision,
            weights=None if resolved.revision else weights_checksum(resolved.path),
            dimension=int(_embedding_dimension(self.model)),
            pooling=str(getattr(pooling, "pooling_mode", "unknown")),
            query_prefix=self.query_prefix,
            document_prefix=self.document_prefix,
            max_tokens=int(self.model.max_seq_length),
        )

    def count_tokens(self, text: str) -> int:
        return _count_document_tokens(self._tokenizer, self.document_prefix, text)

    def document_token_counter(self) -> Callable[[str], int]:
        """``count_tokens`` without the weights, picklable: for chunking in other processes."""
        return partial(_count_document_tokens, self._tokenizer, self.document_prefix)

    def count_text_tokens(self, text: str) -> int:
        """Tokens of ``text`` alone, as part of a longer prompt (no special tokens)."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def encode_documents(self, texts: Sequence[str], token_counts: Sequence[int]) -> np.ndarray:
        """Encode in token-budgeted batches; a batch that runs out of memory halves the budget
        (for the rest of this encoder's life) and is encoded again in smaller batches."""
        vectors = np.empty((len(texts), self.fingerprint.dimension), dtype=np.float32)
        todo = plan_batches(token_counts, self.batch_tokens)
        while todo:
            batch = todo.pop(0)
            try:
                vectors[batch] = self._encode([texts[i] for i in batch], self.document_prefix)
            except Exception as error:
                if not _is_out_of_memory(error):
                    raise
                if len(batch) == 1:
                    raise ModelError(
                        f"out of memory encoding one chunk of {token_counts[batch[0]]} tokens: "
                        "use a smaller --chunk-tokens or a machine with more memory"
                    ) from error
                _release_cached_memory()
                self.batch_tokens = max(1, self.batch_tokens // 2)
                log.warning("out of memory: batch token budget lowered to %d", self.batch_tokens)
                smaller = plan_batches([token_counts[i] for i in batch], self.batch_tokens)
                todo[:0] = [[batch[i] for i in part] for part in smaller]
        return vectors

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode([text], self.query_prefix)[0]

    @property
    def window_tokens(self) -> int:
        config = self.model[0].auto_model.config
        positions = int(config.max_position_embeddings)
        # RoBERTa-style models number positions from padding_idx + 1.
        if "roberta" in getattr(config, "model_type", ""):
            positions -= int(config.pad_token_id) + 1
        return positions

    def encode_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        import torch

        encoding = self._tokenizer.encode(self.document_prefix + text)
        ids = torch.tensor([encoding.ids], device=self.model.device)
        with torch.inference_mode():
            features = self.model[0]({"input_ids": ids, "attention_mask": torch.ones_like(ids)})
        tokens = features["token_embeddings"][0].float().cpu().numpy()
        # Where each token starts in ``text``; special and prefix tokens belong to no span.
        starts = np.array([start for start, _ in encoding.offsets]) - len(self.document_prefix)
        inside = (np.array(encoding.special_tokens_mask) == 0) & (starts >= 0)
        if not inside.any():  # whitespace only: the special tokens stand for it
            inside[:] = True
        vectors = np.empty((len(spans), tokens.shape[1]), dtype=np.float32)
        for row, (start, end) in enumerate(spans):
            members = inside & (starts >= start) & (starts < end)
            # A span with no token of its own (whitespace only) takes the window's mean.
            vectors[row] = tokens[members if members.any() else inside].mean(axis=0)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            prompt=prefix or None,
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        # Normalised again in float32: under bf16 the model's own normalisation is off by ~1e-3.
        vectors = np.asarray(vectors, dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _count_document_tokens(tokenizer: Tokenizer, prefix: str, text: str) -> int:
    return len(tokenizer.encode(prefix + text).ids)


def _is_out_of_memory(error: Exception) -> bool:
    """Out of memory on the accelerator (torch.OutOfMemoryError) or in the CPU allocator."""
    import torch

    if isinstance(error, (MemoryError, torch.OutOfMemoryError)):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


def _release_cached_memory() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _embedding_dimension(model) -> int:
    # Renamed in sentence-transformers 6; the old name still works in earlier versions.
    getter = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    return getter()
