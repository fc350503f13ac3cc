"""Tiny ModernBERT models, built offline: random weights, a tokenizer trained on the fly. A
sentence encoder and a masked LM; both run through the production loading path (a local model
directory)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_tokenizer(texts: Iterable[str], vocab_size: int = 800):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS)
    )
    return _bert_style(tokenizer, "[MASK]")


def _bert_style(tokenizer, mask_token: str):
    """``tokenizer`` framed by [CLS] ... [SEP], as a transformers tokenizer."""
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token=mask_token,
        model_max_length=8192,
    )


def tiny_config(tokenizer, max_tokens: int, **extra):
    """A 2-layer, 32-d ModernBERT configuration for ``tokenizer``."""
    from transformers import ModernBertConfig

    return ModernBertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=max_tokens,
        local_attention=64,
        global_attn_every_n_layers=2,
        pad_token_id=tokenizer.pad_token_id,
        cls_token_id=tokenizer.cls_token_id,
        sep_token_id=tokenizer.sep_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        **extra,
    )


def build_tiny_modernbert(directory: Path, texts: Iterable[str], max_tokens: int = 8192) -> Path:
    """Save a 2-layer, 32-d ModernBERT with CLS pooling (like gte-modernbert) to ``directory``."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import ModernBertModel

    try:
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers import models

    torch.manual_seed(0)
    tokenizer = train_tokenizer(texts)
    config = tiny_config(tokenizer, max_tokens)
    raw = directory / "hf"
    ModernBertModel(config).save_pretrained(raw)
    tokenizer.save_pretrained(raw)
    transformer = models.Transformer(str(raw), max_seq_length=max_tokens)
    pooling = models.Pooling(config.hidden_size, pooling_mode="cls")
    SentenceTransformer(modules=[transformer, pooling, models.Normalize()]).save(str(directory))
    return directory


def train_byte_level_tokenizer(texts: Iterable[str], mask_token: str, vocab_size: int = 2000):
    """A byte-level BPE tokenizer like ModernBERT's: words carry their leading space
    (`" Paris"`), and the mask token swallows the space before it (``lstrip``)."""
    from tokenizers import (
        AddedToken,
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
        trainers,
    )

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", mask_token]
    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=specials,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tokenizer.add_special_tokens([AddedToken(mask_token, lstrip=True, special=True)])
    return _bert_style(tokenizer, mask_token)


def build_masked_lm(
    directory: Path, texts: Iterable[str], mask_token: str = "[MASK]", **config: int
) -> Path:
    """Save a ModernBERT masked LM with random weights and a byte-level tokenizer to
    ``directory``. ``config`` sets ModernBertConfig fields: :data:`TINY` for the tests; left
    empty, the model has ModernBERT-base's sizes (22 layers, 768 dimensions)."""
    import torch
    from transformers import ModernBertConfig, ModernBertForMaskedLM

    torch.manual_seed(0)
    tokenizer = train_byte_level_tokenizer(texts, mask_token)
    model_config = ModernBertConfig(
        **{
            "vocab_size": len(tokenizer),
            "pad_token_id": tokenizer.pad_token_id,
            "cls_token_id": tokenizer.cls_token_id,
            "sep_token_id": tokenizer.sep_token_id,
            "bos_token_id": tokenizer.cls_token_id,
            "eos_token_id": tokenizer.sep_token_id,
            **config,
        }
    )
    ModernBertForMaskedLM(model_config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


#: The sizes of the tiny masked LM the tests use.
TINY = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "local_attention": 64,
    "global_attn_every_n_layers": 2,
}


def build_tiny_cross_encoder(directory: Path, texts: Iterable[str]) -> Path:
    """Save a 2-layer ModernBERT cross-encoder (one relevance logit, random weights) that
    sentence-transformers' ``CrossEncoder`` loads like gte-reranker-modernbert-base."""
    import torch
    from transformers import ModernBertForSequenceClassification

    torch.manual_seed(0)
    tokenizer = train_tokenizer(texts)
    config = tiny_config(tokenizer, 1024, num_labels=1)
    ModernBertForSequenceClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
