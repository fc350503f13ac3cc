"""The code-aware ranking stage on small fixtures: each signal does what a user would notice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from retriever.search.ranking import (
    FILE_LEVEL,
    Candidate,
    RankingConfig,
    definition_match,
    definition_patterns,
    is_non_core,
    path_score,
    query_names,
    query_type,
    rank,
)


def chunk(
    chunk_id: str,
    path: str,
    text: str,
    symbol: str | None = None,
    start: int = 1,
    kind: str = "function",
    heading: str | None = None,
) -> Candidate:
    lines = text.count("\n") + 1
    return Candidate(chunk_id, path, start, start + lines - 1, kind, symbol, heading, 0.0, text)


BODY = "\n".join(f"    step_{i}()" for i in range(6))
DEFINITION = chunk(
    "def", "src/upload.py", f"def retry_upload(request):\n{BODY}", symbol="retry_upload"
)
CALLER = chunk(
    "call",
    "src/client.py",
    f"def send(request):\n    # retry_upload on failure\n    retry_upload(request)\n{BODY}",
    symbol="send",
)
TEST_COPY = chunk(
    "test",
    "tests/test_upload.py",
    f"def retry_upload(request):\n{BODY}",
    symbol="retry_upload",
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("retry_upload", "symbol"),
        ("JsonReader", "symbol"),
        ("Sinatra::Base", "symbol"),
        ("req.accepts", "symbol"),
        ("formatter", "symbol"),
        ("inferProcedureInput()", "symbol"),
        ("HttpClient HttpTimeout", "symbol"),
        ("how are routes registered", "natural"),
        ("websocket endpoint implementation", "natural"),
        ("IDNA internationalized domain name encoding", "natural"),
        ("how bats_pipe chains commands", "natural"),
        ("the", "natural"),
        ("", "natural"),
    ],
)
def test_query_type(query: str, expected: str) -> None:
    assert query_type(query) == expected


def test_query_names_are_code_tokens_with_their_last_component() -> None:
    assert query_names("Sinatra::Base", "symbol") == {"Sinatra.Base", "Base"}
    assert query_names("how bats_pipe chains commands", "natural") == {"bats_pipe"}
    assert query_names("content negotiation with req.accepts", "natural") == {
        "req.accepts",
        "accepts",
    }


def test_a_qualified_name_prefers_its_own_definition_over_a_namesake() -> None:
    module = chunk("mod", "lib/base.rb", f"module Helpers\n{BODY}", "Sinatra::Helpers")
    method = chunk("fn", "lib/base.rb", f"def helpers(*args)\n{BODY}", "Sinatra.helpers", 40)
    assert rank("Sinatra::Helpers", [method, module], [method, module])[0].chunk_id == "mod"


def test_a_typed_variable_is_not_a_definition() -> None:
    user = chunk("var", "src/Adapters.java", f"static final TypeAdapter<Foo> FOO = x;\n{BODY}")
    assert definition_match_of("TypeAdapter", user) == 0.0


def definition_match_of(query: str, candidate: Candidate) -> float:
    names = query_names(query, query_type(query))
    return definition_match(candidate, names, definition_patterns(names))


def test_a_symbol_query_ranks_its_definition_first() -> None:
    # Lexically the caller matches more often; the definition is still first.
    ranked = rank("retry_upload", [CALLER, DEFINITION], [CALLER, DEFINITION])
    assert ranked[0].chunk_id == "def"


def test_a_definition_found_by_its_text_counts_without_a_symbol() -> None:
    # Languages chunked as plain text carry no symbol: the definition keyword finds it.
    plain = chunk("kt", "src/Http.kt", f"class HttpClient(engine: Engine) {{\n{BODY}\n}}", None)
    user = chunk("use", "src/App.kt", f"val client = HttpClient(engine)\n{BODY}", None)
    ranked = rank("HttpClient", [user, plain], [user, plain])
    assert ranked[0].chunk_id == "kt"


def test_a_test_files_copy_ranks_below_the_source() -> None:
    # Both retrievers put the test's copy first; the source still comes out on top.
    both = [TEST_COPY, DEFINITION]
    ranked = rank("retry a failed upload request", both, both)
    assert [c.chunk_id for c in ranked].index("def") < [c.chunk_id for c in ranked].index("test")


def test_tests_are_not_demoted_when_the_query_asks_for_them() -> None:
    ranked = rank("tests for retry upload", [TEST_COPY, DEFINITION], [TEST_COPY, DEFINITION])
    assert ranked[0].chunk_id == "test"


def test_a_heading_only_chunk_never_ranks_first() -> None:
    heading = chunk("h", "docs/upload.md", "## Retry upload", kind="section", heading="Retry")
    section = chunk(
        "s",
        "docs/guide.md",
        "Failed uploads are retried three times\nwith exponential backoff\nand then reported.\n"
        "The delay doubles each time.",
        kind="section",
        heading="Guide",
    )
    for lexical, dense in [([heading, section], [heading, section]), ([heading], [heading])]:
        ranked = rank("retry upload", lexical, dense)
        assert ranked[0].chunk_id != "h" or len(ranked) == 1
    assert rank("retry upload", [heading, section], [heading, section])[0].chunk_id == "s"


def test_several_matching_chunks_lift_their_file() -> None:
    lone = chunk("lone", "src/other.py", f"def handler():\n{BODY}", "handler")
    first = chunk("a1", "src/server.py", f"def start():\n{BODY}", "start")
    second = chunk("a2", "src/server.py", f"def stop():\n{BODY}", "stop", start=20)
    config = replace(FILE_LEVEL, file_diversity=False, path_terms=False)
    ranked = rank("lifecycle of the worker", [lone, first, second], [lone, second], config=config)
    assert ranked[0].path == "src/server.py"


def test_the_signature_piece_stands_for_a_long_definition() -> None:
    head = chunk("head", "src/big.py", f"def parse(source):\n{BODY}", "parse", start=1)
    tail = chunk("tail", "src/big.py", BODY, "parse", start=8)
    # Off by default (no gain measured on codebench); it still does what it says when on.
    config = RankingConfig(signature_piece=True)
    ranked = rank("how parsing works", [tail, head], [tail], config=config)
    assert ranked[0].chunk_id == "head"


def test_file_names_count_and_non_core_paths_are_recognised() -> None:
    words = {"floating", "window"}
    assert path_score("lua/lazy/view/float.lua", words) == 1.0
    assert path_score("lua/lazy/core/init.lua", words) == 0.0
    assert is_non_core("tests/test_upload.py")
    assert is_non_core("pkg/router_test.go")
    assert is_non_core("src/app.spec.ts")
    assert is_non_core("Tests/SessionTests.swift")
    assert not is_non_core("lib/bats-core/test_functions.bash")
    assert not is_non_core("src/upload.py")


def test_empty_candidates_give_nothing_and_k_is_respected() -> None:
    assert rank("anything", [], []) == []
    many = [chunk(str(i), f"src/f{i}.py", f"def f{i}():\n{BODY}", f"f{i}") for i in range(30)]
    ranked = rank("f3", many, many, k=5)
    assert len(ranked) == 5
    assert ranked[0].chunk_id == "3"
    assert all(a.score >= b.score for a, b in zip(ranked, ranked[1:], strict=False))


def test_a_whole_small_definition_is_no_fragment_but_a_headless_piece_is() -> None:
    small_class = chunk(
        "class",
        "session.py",
        "class UploadSession:\n    def close(self):\n        pass",
        symbol="UploadSession",
        kind="class",
    )
    tail = chunk("tail", "session.py", "        pass\n    return done", "Upload.run", start=40)
    # The tail piece is the better lexical match; the small class still ranks above it.
    ranked = rank("upload session", [tail, small_class], [], k=2)
    assert [c.chunk_id for c in ranked] == ["class", "tail"]
