"""Fill-mask, classification, cloze answers and similarity, on tiny models (no downloads).

The rigged masked LM has decoder biases that make known tokens win (see conftest.RIGGED), so
the assertions check the logic that reads the model, not the random weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer
from typer.testing import CliRunner

from retriever import InvalidQueryError, ModelError, Retriever
from retriever.cli import app
from retriever.masked_lm.tasks import DEFAULT_TEMPLATE, MAX_MASKS, MaskedLM

runner = CliRunner()
CAPITAL = "The capital of France is [MASK]."


@pytest.fixture(scope="module")
def rigged(rigged_masked_lm: Path) -> MaskedLM:
    return MaskedLM(str(rigged_masked_lm), device="cpu")


@pytest.fixture(scope="module")
def plain(masked_lm_dir: Path) -> MaskedLM:
    return MaskedLM(str(masked_lm_dir), device="cpu")


def reference_log_probs(directory: Path, text: str) -> torch.Tensor:
    """Log-probabilities at every mask of ``text``, straight from transformers."""
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForMaskedLM.from_pretrained(directory).eval()
    encoded = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        logits = model(**encoded).logits[0]
    return torch.log_softmax(logits[encoded["input_ids"][0] == tokenizer.mask_token_id], -1)


# -- fill-mask ----------------------------------------------------------------------------------
def test_fill_mask_ranks_tokens_and_keeps_their_leading_space(rigged: MaskedLM) -> None:
    result = rigged.fill_mask(CAPITAL, k=3)
    (predictions,) = result.masks
    assert [p.token for p in predictions] == [".", " Paris", " great"]
    probabilities = [p.probability for p in predictions]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1
    assert result.filled == "The capital of France is.."
    assert result.text == CAPITAL


def test_fill_mask_probabilities_are_the_models(plain: MaskedLM, masked_lm_dir: Path) -> None:
    model = plain.model
    (everything,), _ = model.fill(model.token_ids("retry the [MASK] upload"), len(model.tokenizer))
    assert sum(p.probability for p in everything) == pytest.approx(1.0, abs=1e-3)
    (predictions,) = plain.fill_mask("retry the [MASK] upload", k=10).masks
    assert predictions == everything[:10]
    reference = reference_log_probs(masked_lm_dir, "retry the [MASK] upload")[0].exp()
    best = int(reference.argmax())
    assert predictions[0].token_id == best
    assert predictions[0].probability == pytest.approx(float(reference[best]), abs=1e-5)


def test_each_mask_gets_its_own_predictions(rigged: MaskedLM) -> None:
    result = rigged.fill_mask("[MASK] capital of France is [MASK].", k=2)
    assert len(result.masks) == 2 and all(len(mask) == 2 for mask in result.masks)
    assert result.filled == ". capital of France is.."


def test_the_models_own_mask_token_and_the_literal_one_both_work(
    tmp_path: Path, masked_lm_dir: Path
) -> None:
    from conftest import MASKED_LM_TEXTS

    from tiny_models import TINY, build_masked_lm

    directory = build_masked_lm(tmp_path / "roberta-style", MASKED_LM_TEXTS, "<mask>", **TINY)
    model = MaskedLM(str(directory), device="cpu")
    literal = model.fill_mask("The capital of France is [MASK].", k=5)
    own = model.fill_mask("The capital of France is <mask>.", k=5)
    assert literal.masks == own.masks


@pytest.mark.parametrize(
    "text, k, message",
    [
        ("no mask here", 5, "the text has no mask"),
        ("[MASK] " * (MAX_MASKS + 1), 5, f"at most {MAX_MASKS} are allowed"),
        ("   ", 5, "the text is empty"),
        (CAPITAL, 0, "k must be between 1 and 100"),
        ("word " * 9000 + "[MASK]", 5, "the model reads at most 8192"),
    ],
)
def test_bad_fill_mask_input_is_a_clear_error(rigged: MaskedLM, text, k, message) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        rigged.fill_mask(text, k)


# -- models -------------------------------------------------------------------------------------
def test_a_sentence_encoder_is_not_a_masked_lm(tiny_modernbert: Path) -> None:
    with pytest.raises(ModelError, match="has no masked-LM head"):
        MaskedLM(str(tiny_modernbert)).fill_mask(CAPITAL)


@pytest.mark.parametrize("name", ["answerdotai/ModernBERT-base", "minilm", "no/such-model"])
def test_unavailable_masked_lms_are_one_line_errors(name: str) -> None:
    with pytest.raises(ModelError) as raised:
        MaskedLM(name).fill_mask(CAPITAL)
    assert "\n" not in str(raised.value)


# -- classify -----------------------------------------------------------------------------------
def test_classify_is_batched_and_picks_the_likeliest_label(rigged: MaskedLM) -> None:
    texts = ["The food was cold.", "Lovely view.", "ok"]
    results = rigged.classify(texts, ["bad", "good", "great"])
    assert len(results) == 3
    for result in results:
        assert list(result.scores) == ["bad", "good", "great"]
        assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert result.label == "great" and result.scores["great"] > 0.99


def test_a_batch_scores_each_text_as_alone(plain: MaskedLM) -> None:
    texts = ["ok", "The food was cold and the staff ignored us.", "Lovely view, fair prices."]
    labels = ["bad", "good", "not sure"]
    batched = plain.classify(texts, labels)
    for text, result in zip(texts, batched, strict=True):
        (alone,) = plain.classify([text], labels)
        assert alone.label == result.label
        assert list(alone.scores.values()) == pytest.approx(list(result.scores.values()), abs=1e-4)


def test_one_token_labels_are_a_softmax_over_their_logits(
    plain: MaskedLM, masked_lm_dir: Path
) -> None:
    text, labels = "The food was cold.", ["bad", "good", "great"]
    (result,) = plain.classify([text], labels)
    prompt = DEFAULT_TEMPLATE.replace("{text}", text).replace("{mask}", "[MASK]")
    (log_probs,) = reference_log_probs(masked_lm_dir, prompt)
    tokenizer = plain.model.tokenizer
    ids = [tokenizer(f" {label}", add_special_tokens=False)["input_ids"][0] for label in labels]
    expected = torch.softmax(log_probs[ids], -1)
    assert [result.scores[label] for label in labels] == pytest.approx(expected.tolist(), abs=1e-5)


def test_multi_token_labels_score_by_the_mean_of_their_masked_tokens(
    plain: MaskedLM, masked_lm_dir: Path
) -> None:
    text, labels = "Lovely view.", ["good", "extraordinary"]
    tokenizer = plain.model.tokenizer
    pieces = tokenizer(" extraordinary", add_special_tokens=False)["input_ids"]
    assert len(pieces) > 1  # the case under test
    (result,) = plain.classify([text], labels, "{text} It was {mask}!")
    scores = []
    for tokens in [tokenizer(" good", add_special_tokens=False)["input_ids"], pieces]:
        prompt = f"{text} It was" + " [MASK]" * len(tokens) + "!"
        log_probs = reference_log_probs(masked_lm_dir, prompt)
        scores.append(float(log_probs[range(len(tokens)), tokens].mean()))
    expected = torch.softmax(torch.tensor(scores), -1).tolist()
    assert [result.scores[label] for label in labels] == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(
    "labels, template, message",
    [
        (["good"], None, "between 2 and 50 labels"),
        (["good", "good "], None, "labels must be distinct"),
        (["good", " "], None, "a label is empty"),
        (["bad", "good"], "{text} no slot", "exactly one {mask}"),
        (["bad", "good"], "{mask} {mask} {text}", "exactly one {mask}"),
        (["bad", "good"], "It was {mask}.", "exactly one {text}"),
    ],
)
def test_bad_labels_and_templates_are_clear_errors(rigged, labels, template, message) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        rigged.classify(["some text"], labels, template)


def test_clip_fits_a_long_text_into_the_model(rigged: MaskedLM) -> None:
    long = "retry the upload " * 3000
    with pytest.raises(InvalidQueryError, match="at most 8192"):
        rigged.classify([long], ["bad", "great"])
    (result,) = rigged.classify([long], ["bad", "great"], clip=True)
    assert result.label == "great"


# -- cloze --------------------------------------------------------------------------------------
def test_cloze_answers_are_words_best_first(rigged: MaskedLM) -> None:
    result = rigged.cloze("Where was Albert Einstein born? He was born in [MASK].", k=2)
    assert [a.answer for a in result.answers] == ["Paris", "great"]  # "." is no answer
    assert [a.token for a in result.answers] == [" Paris", " great"]
    assert result.answers[0].probability > result.answers[1].probability


def test_a_plain_question_becomes_a_cloze_after_its_context(rigged: MaskedLM) -> None:
    result = rigged.cloze("Where was Albert Einstein born?", context="Einstein was born in Ulm.")
    assert result.prompt == (
        "Einstein was born in Ulm.\nQuestion: Where was Albert Einstein born?\nAnswer: [MASK]."
    )
    assert result.answers[0].answer == "Paris" and len(result.answers) == 5


def test_a_cloze_holds_one_mask(rigged: MaskedLM) -> None:
    with pytest.raises(InvalidQueryError, match="exactly one"):
        rigged.cloze("[MASK] was born in [MASK].")


# -- similarity ---------------------------------------------------------------------------------
def test_similarity_matrix_and_pairs(sample_index: Path) -> None:
    texts = ["retry failed uploads", "upload again after a failure", "resize a thumbnail"]
    with Retriever.open(sample_index, create=False) as retriever:
        matrix = retriever.similarity(texts)
        pairs = retriever.similarity(pairs=[(texts[0], texts[1]), (texts[0], texts[2])])
        with pytest.raises(InvalidQueryError, match="either texts or pairs"):
            retriever.similarity(texts, pairs=[(texts[0], texts[1])])
        with pytest.raises(InvalidQueryError, match="at least two texts"):
            retriever.similarity(texts[:1])
    assert matrix.shape == (3, 3) and np.allclose(matrix, matrix.T)
    assert np.allclose(np.diag(matrix), 1.0, atol=1e-5)
    assert matrix[0, 1] > matrix[0, 2]
    assert pairs == pytest.approx([matrix[0, 1], matrix[0, 2]], abs=1e-5)


# -- labels at ingest ---------------------------------------------------------------------------
def test_ingest_labels_are_filterable(
    shop_corpus: Path, tiny_modernbert: Path, rigged_masked_lm: Path, tmp_path: Path
) -> None:
    settings = {"model": str(tiny_modernbert), "mlm_model": str(rigged_masked_lm)}
    with Retriever.open(tmp_path / "index", **settings) as retriever:
        report = retriever.index([shop_corpus], classify_labels=["bad", "great"])
        chunks = retriever.status().chunks
        assert report.chunks_labelled == chunks > 0
        hits = retriever.search("cart total", k=50, filters={"label": "great"})
        assert len(hits) == chunks and {hit.label for hit in hits} == {"great"}
        assert retriever.search("cart total", filters={"label": ["bad"]}) == []

        # The index keeps labelling: an upload gets its label too.
        retriever.upsert_text("notes.md", "# Notes\n\nThe cart total includes tax.\n")
        hits = retriever.search("tax", k=50, filters={"label": "great", "path_glob": "notes.md"})
        assert len(hits) == 1

        # An unchanged re-run labels nothing; other labels relabel every chunk.
        assert retriever.index([shop_corpus]).chunks_labelled == 0
        report = retriever.index([shop_corpus], classify_labels=["bad", "good"])
        assert report.chunks_labelled == retriever.status().chunks
        labels = {hit.label for hit in retriever.search("cart", k=100, mode="lexical")}
        assert labels <= {"bad", "good"}

    result = run("search", "cart total", "--index", str(tmp_path / "index"), "--label", "nothing")
    assert result.exit_code == 0 and result.stderr.strip() == "no results"


def test_ingest_labels_are_refused_before_any_work(
    shop_corpus: Path, tiny_modernbert: Path, tmp_path: Path
) -> None:
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        with pytest.raises(ModelError, match="ModernBERT-base"):
            retriever.index([shop_corpus], classify_labels=["bad", "great"])
        with pytest.raises(InvalidQueryError, match="exactly one {text}"):
            retriever.index([shop_corpus], classify_labels=["a", "b"], classify_template="{mask}")
        assert retriever.status().documents == 0


# -- CLI ----------------------------------------------------------------------------------------
def run(*args: str):
    return runner.invoke(app, list(args))


def test_cli_fill_mask_classify_cloze(rigged_masked_lm: Path) -> None:
    model = ["--mlm-model", str(rigged_masked_lm)]
    result = run("fill-mask", CAPITAL, "-k", "2", "--json", *model)
    assert result.exit_code == 0, result.output
    masks = json.loads(result.stdout)["masks"]
    assert [p["token"] for p in masks[0]] == [".", " Paris"]

    result = run("fill-mask", CAPITAL, *model)
    assert result.exit_code == 0 and '" Paris"' in result.stdout

    arguments = ["classify", "Great view.", "Cold food.", "--labels", "bad,good,great"]
    result = run(*arguments, "--json", *model)
    assert result.exit_code == 0, result.output
    assert [r["label"] for r in json.loads(result.stdout)] == ["great", "great"]

    question = "Where was Albert Einstein born? He was born in [MASK]."
    result = run("cloze", question, "--json", *model)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answers"][0]["answer"] == "Paris"
    result = run("cloze", question, *model)
    assert result.stdout.splitlines()[0].startswith("1. Paris")


def test_cli_similarity(sample_index: Path) -> None:
    texts = ["retry failed uploads", "upload again after a failure", "resize a thumbnail"]
    result = run("similarity", *texts, "--index", str(sample_index), "--json")
    assert result.exit_code == 0, result.output
    matrix = json.loads(result.stdout)["similarities"]
    assert len(matrix) == 3 and matrix[0][1] > matrix[0][2]
    result = run("similarity", texts[0], texts[1], "--index", str(sample_index))
    assert -1 <= float(result.stdout) <= 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["fill-mask", "no mask here"], "error: the text has no mask"),
        (["classify", "text", "--labels", "good"], "error: give between 2 and 50 labels"),
        (["cloze", "two [MASK] [MASK]"], "error: a cloze question holds exactly one [MASK]"),
    ],
)
def test_cli_errors_are_one_line(rigged_masked_lm: Path, args, message) -> None:
    result = run(*args, "--mlm-model", str(rigged_masked_lm))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(message)


def test_cli_missing_masked_lm_is_one_line() -> None:
    result = run("fill-mask", CAPITAL, "--mlm-model", "answerdotai/ModernBERT-large")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "answerdotai/ModernBERT-large" in line and "RETRIEVER_MLM_MODEL" in line


def test_models_loaded_at_once_in_threads_are_whole(
    masked_lm_dir: Path, tiny_modernbert: Path
) -> None:
    """A server warms its encoder in a thread while a request loads the masked LM:
    transformers' loading state is process-wide, so unguarded the masked LM lost its head."""
    from concurrent.futures import ThreadPoolExecutor

    from retriever.encoding.encoder import SentenceTransformerEncoder
    from retriever.encoding.models import resolve_masked_lm, resolve_model
    from retriever.masked_lm.model import MaskPredictor

    loads = [lambda: SentenceTransformerEncoder(resolve_model(str(tiny_modernbert)))] * 3
    loads += [lambda: MaskPredictor(resolve_masked_lm(str(masked_lm_dir)))] * 3
    with ThreadPoolExecutor(len(loads)) as pool:
        models = [future.result() for future in [pool.submit(load) for load in loads]]
    assert len(models) == 6  # each load raised if its weights came out incomplete
