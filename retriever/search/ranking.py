"""A model-free, code-aware ranking stage: fuse lexical and dense candidates, then re-rank.

Pure: it sees only the query and the two candidate lists (each best first, with the chunk
fields a hit carries) and returns the best ``k`` candidates with their new scores. No model,
no database, nothing tuned per language or repository. The signals, each one switchable in
:class:`RankingConfig` so its worth can be measured by ablation:

- **query type**: a symbol-like query (one identifier, or code-shaped tokens: ``snake_case``,
  ``CamelCase``, ``dotted.path``, ``a::b``) is ranked by the lexical retriever, the dense one
  only ordering what lexical did not find (codebench symbol questions: dense weight 0.3 ->
  0.932, 0 -> 0.948, lexical alone 0.947); a natural-language query weighs both alike;
- **definitions**: a chunk that *defines* a name the query mentions (its symbol, or a
  definition keyword before the name in its text) rises; a member of that definition rises less;
- **path terms**: query terms in the file's name (and, less, its folders) lift the file's chunks;
- **non-core code**: tests, examples, fixtures, benchmarks, vendored and generated files sink,
  unless the query asks about them;
- **fragments**: pieces of 1-3 lines and heading-only chunks sink;
- **signature piece** (off: no gain measured): of several pieces of one long definition, the
  first (which carries its signature) stands for it with the best score of them;
- **file evidence** and **file diversity** (off unless answers are files): other matching
  chunks of the same file lift a chunk, and a further chunk of a file already ranked counts
  for less, so the top results name several files.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Literal

from retriever.search.fusion import reciprocal_rank_fusion
from retriever.store.lexical import IDENTIFIER, STOPWORDS, identifier_parts

QueryType = Literal["symbol", "natural"]

#: Folders and file-name shapes of code that is not the code asked about.
_NON_CORE_DIRS = (
    "test tests testing spec specs __tests__ __mocks__ example examples sample samples fixture "
    "fixtures testdata benchmark benchmarks bench vendor vendored third_party thirdparty "
    "node_modules generated gen deprecated legacy"
)
NON_CORE_DIRS = frozenset(_NON_CORE_DIRS.split())
NON_CORE_NAME = re.compile(
    r"(?:_test|_tests|_spec|\.test|\.spec|Tests?|Spec|_pb2|\.pb|\.generated|\.g|\.min)\.\w+$"
)
#: Query words that ask for tests/examples themselves (then nothing is demoted).
_ASKS_NON_CORE = "test tests testing spec specs example examples fixture fixtures benchmark mock"
ASKS_NON_CORE = frozenset(_ASKS_NON_CORE.split())
#: Keywords that introduce a definition in common languages (matched before a name).
DEFINITION_KEYWORDS = (
    "class|struct|interface|enum|trait|object|protocol|extension|module|namespace|record|union|"
    "def|defp|defmodule|defprotocol|defimpl|defmacro|fn|func|fun|function|sub|proc|type|"
    "typealias|typedef|newtype|data|impl|val|var|let|const|local function"
)
#: How far the first lines of a chunk are searched for a definition of a query name.
DEFINITION_LINES = 40


@dataclass(frozen=True, slots=True)
class Candidate:
    """A chunk as a first-stage retriever found it: the hit fields the stage reads."""

    chunk_id: str
    path: str
    start_line: int
    end_line: int
    kind: str
    symbol: str | None
    heading: str | None
    score: float
    text: str


@dataclass(frozen=True, slots=True)
class RankingConfig:
    """Which signals run, their few weights, and how deep each retriever's candidates go."""

    #: Candidates per retriever (lexical, dense) the stage sees for k <= 10; measured on
    #: codebench: 30 -> 0.776, 50 -> 0.781, 100 -> 0.782 with these defaults.
    depth: int = 50

    query_weights: bool = True
    definitions: bool = True
    non_core: bool = True
    fragments: bool = True
    #: Measured without gain on codebench, so off.
    signature_piece: bool = False
    #: File-level signals (see FILE_LEVEL): they win where answers are whole files (codebench)
    #: and lose where answers are single definitions or sections (data/eval), so they are off
    #: by default. ``natural_names``: the code-shaped tokens of a natural-language query count
    #: as names to define; ``path_terms``: query words in a file's name lift all its chunks.
    natural_names: bool = False
    path_terms: bool = False
    file_evidence: bool = False
    file_diversity: bool = False
    #: Lexical and dense weights in the fusion of a symbol-like query.
    symbol_weights: tuple[float, float] = (1.0, 0.0)
    definition_boost: float = 1.0
    member_boost: float = 0.5
    path_boost: float = 0.5
    non_core_factor: float = 0.5
    fragment_factor: float = 0.5
    fragment_lines: int = 3
    piece_factor: float = 0.5
    file_evidence_weight: float = 0.3
    diversity_factor: float = 0.7


#: For questions whose answers are whole files ("which files handle X"): every file-level signal
#: on. Better on codebench (whole-file targets), worse where answers are single definitions or
#: sections (data/eval); see docs/benchmarks.md.
FILE_LEVEL = RankingConfig(
    path_terms=True, natural_names=True, file_evidence=True, file_diversity=True, depth=100
)


def query_type(query: str) -> QueryType:
    """``symbol`` when the query is one identifier or all its tokens look like code names;
    ``natural`` for prose questions."""
    tokens = query.split()
    if not tokens or len(tokens) > 3:
        return "natural"
    shaped = [IDENTIFIER.fullmatch(token.rstrip("()")) is not None for token in tokens]
    if not all(shaped):
        return "natural"
    if len(tokens) == 1:
        return "symbol" if tokens[0].lower() not in STOPWORDS else "natural"
    return "symbol" if all(_code_shaped(token) for token in tokens) else "natural"


def _code_shaped(token: str) -> bool:
    """``snake_case``, ``camelCase``/``PascalCase`` (inner capital), ``a.b``, ``a::b``,
    ``f()``."""
    token = token.rstrip("()")
    return (
        "_" in token.strip("_")
        or "::" in token
        or ("." in token.strip(".") and IDENTIFIER.fullmatch(token) is not None)
        or re.search(r"[a-z][A-Z]|[A-Z]{2,}[a-z]", token) is not None
        or (token[:1].isupper() and any(c.isupper() for c in token[1:]))
    )


def query_names(query: str, kind: QueryType) -> set[str]:
    """The code names a query mentions, as written, whole and as their last component
    (``Sinatra::Base`` -> ``Sinatra.Base`` and ``Base``; separators become dots): every token
    of a symbol query, the code-shaped tokens of a natural one."""
    names = set()
    for match in IDENTIFIER.finditer(query):
        token = match[0]
        if kind == "natural" and not _code_shaped(token):
            continue
        names.add(_dotted(token))
        names.add(_dotted(token).rsplit(".", 1)[-1])
    return {name for name in names if len(name) > 1 and name.lower() not in STOPWORDS}


def _dotted(name: str) -> str:
    return re.sub(r"::|/|#", ".", name)


def query_words(query: str) -> set[str]:
    """Lower-case words and identifier parts of a query, stopwords left out."""
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", query)}
    for match in IDENTIFIER.finditer(query):
        words.update(identifier_parts(match[0]))
    return {w for w in words if len(w) > 2 and w not in STOPWORDS}


def _same_word(a: str, b: str) -> bool:
    """Equal, or sharing a prefix of at least 4 letters that leaves at most 2 letters of the
    shorter word (``float`` and ``floating``, ``formats`` and ``formatter``, ``preprocessed``
    and ``preprocessing``): a stemmer's worth of matching, without a dictionary."""
    if a == b:
        return True
    common = len(os.path.commonprefix([a, b]))
    return common >= 4 and common >= min(len(a), len(b)) - 2


def _name_parts(name: str) -> list[str]:
    return identifier_parts(name) or [name.lower()]


def path_score(path: str, words: set[str]) -> float:
    """The share of the file name's words that the query names (folders count half)."""
    pure = PurePosixPath(path)
    stem = pure.name.split(".")[0]
    parts = _name_parts(stem)
    matched = sum(any(_same_word(p, w) for w in words) for p in parts) / max(len(parts), 1)
    folders = [p for folder in pure.parts[:-1] for p in _name_parts(folder)]
    in_folders = any(_same_word(p, w) for p in folders for w in words)
    return min(1.0, matched + (0.5 if in_folders and not matched else 0.0))


def is_non_core(path: str) -> bool:
    """Tests, examples, fixtures, benchmarks, vendored or generated code, by path shape."""
    pure = PurePosixPath(path)
    folders = {part.lower() for part in pure.parts[:-1]}
    return bool(folders & NON_CORE_DIRS) or NON_CORE_NAME.search(pure.name) is not None


def _is_fragment(candidate: Candidate, lines: int) -> bool:
    """A heading with nothing under it, or a piece of at most ``lines`` lines (or one line of
    text) that is not a whole small definition (one that names itself, after its doc comment)."""
    body = [line for line in candidate.text.splitlines() if line.strip()]
    if candidate.heading is not None and all(line.lstrip().startswith("#") for line in body):
        return True
    short = candidate.end_line - candidate.start_line + 1 <= lines or len(body) <= 1
    if not short:
        return False
    name = _dotted(candidate.symbol).rsplit(".", 1)[-1] if candidate.symbol else None
    return not (name and any(re.search(rf"\b{re.escape(name)}\b", line) for line in body))


def definition_match(candidate: Candidate, names: set[str], patterns: list[re.Pattern]) -> float:
    """1.0 when the chunk defines a query name (its symbol ends with it, or a definition
    keyword precedes it in the chunk's first lines); 0.5 when the name matches only ignoring
    case, or when the chunk is a member of such a definition (a container in its symbol);
    else 0."""
    if not names:
        return 0.0
    if candidate.symbol:
        symbol = _dotted(candidate.symbol)
        if any(symbol == name or symbol.endswith("." + name) for name in names):
            return 1.0
        parts = [part.lower() for part in symbol.split(".") if part]
        lowered = {name.lower() for name in names}
        if parts and (parts[-1] in lowered or any(part in lowered for part in parts[:-1])):
            return 0.5
    head = "\n".join(candidate.text.splitlines()[:DEFINITION_LINES])
    return 1.0 if any(pattern.search(head) for pattern in patterns) else 0.0


def definition_patterns(names: set[str]) -> list[re.Pattern]:
    patterns = []
    for name in sorted(names):
        if not re.fullmatch(r"\w+", name):  # a dotted name is matched by its last part
            continue
        escaped = re.escape(name)
        patterns.append(
            re.compile(
                rf"(?:\b(?:{DEFINITION_KEYWORDS})\s+(?:[\w.:]*[.:])?{escaped}\b"
                rf"|^\s*{escaped}\s*(?:::|=\s*(?:struct|enum|union|class)\b))",
                re.MULTILINE,
            )
        )
    return patterns


def fuse(
    lexical: Sequence[Candidate],
    dense: Sequence[Candidate],
    weights: tuple[float, float] = (1.0, 1.0),
) -> dict[str, tuple[Candidate, float]]:
    """Weighted reciprocal-rank fusion (:func:`retriever.search.fusion.reciprocal_rank_fusion`)
    of the lists that have candidates: chunk id -> (candidate, score scaled so that first on
    every such list scores 1), best first."""
    pairs = zip((lexical, dense), weights, strict=True)
    present = [(ranking, weight) for ranking, weight in pairs if ranking]
    candidates: dict[str, Candidate] = {}
    for ranking, _ in present:
        for candidate in ranking:
            candidates.setdefault(candidate.chunk_id, candidate)
    fused = reciprocal_rank_fusion(
        [
            [(candidate.chunk_id, candidate.score) for candidate in ranking]
            for ranking, _ in present
        ],
        len(candidates),
        weights=[weight for _, weight in present],
    )
    return {chunk_id: (candidates[chunk_id], score) for chunk_id, score in fused}


def rank(
    query: str,
    lexical: Sequence[Candidate],
    dense: Sequence[Candidate],
    k: int = 10,
    config: RankingConfig | None = None,
) -> list[Candidate]:
    """The best ``k`` of the candidates for ``query``, best first, each with its new score.
    ``lexical`` and ``dense`` are the two retrievers' candidates, best first (either may be
    empty); the same chunk may be in both."""
    config = config or RankingConfig()
    kind = query_type(query)
    symbolic = config.query_weights and kind == "symbol" and bool(lexical)
    weights = config.symbol_weights if symbolic else (1.0, 1.0)
    fused = fuse(lexical, dense, weights)
    names = query_names(query, kind) if kind == "symbol" or config.natural_names else set()
    patterns = definition_patterns(names)
    words = query_words(query)
    demote = config.non_core and not any(
        _same_word(w, asked) for w in words for asked in ASKS_NON_CORE
    )
    scores: dict[str, float] = {}
    by_path: dict[str, float] = {}
    for chunk_id, (candidate, score) in fused.items():
        match = definition_match(candidate, names, patterns) if config.definitions else 0.0
        if match:
            score *= 1 + (config.definition_boost if match == 1.0 else config.member_boost)
        if config.path_terms:
            if candidate.path not in by_path:  # a file's chunks share its path's score
                by_path[candidate.path] = path_score(candidate.path, words)
            score *= 1 + config.path_boost * by_path[candidate.path]
        if demote and is_non_core(candidate.path):
            score *= config.non_core_factor
        if config.fragments and not match and _is_fragment(candidate, config.fragment_lines):
            score *= config.fragment_factor
        scores[chunk_id] = score
    candidates = {chunk_id: pair[0] for chunk_id, pair in fused.items()}
    if config.signature_piece:
        _signature_pieces(candidates, scores, config.piece_factor)
    if config.file_evidence:
        scores = _file_evidence(candidates, scores, config.file_evidence_weight)
    ordered = sorted(scores, key=lambda chunk_id: -scores[chunk_id])
    if config.file_diversity:
        ordered, scores = _diversify(candidates, ordered, scores, config.diversity_factor)
    return [replace(candidates[chunk_id], score=scores[chunk_id]) for chunk_id in ordered[:k]]


def _signature_pieces(
    candidates: dict[str, Candidate], scores: dict[str, float], factor: float
) -> None:
    """Pieces of one definition (same file and symbol): the first takes the best score of
    them, the others are scaled by ``factor``."""
    pieces: dict[tuple[str, str], list[str]] = defaultdict(list)
    for chunk_id, candidate in candidates.items():
        if candidate.symbol:
            pieces[(candidate.path, candidate.symbol)].append(chunk_id)
    for group in pieces.values():
        if len(group) > 1:
            first = min(group, key=lambda chunk_id: candidates[chunk_id].start_line)
            best = max(scores[chunk_id] for chunk_id in group)
            for chunk_id in group:
                scores[chunk_id] *= factor
            scores[first] = best


def _file_evidence(
    candidates: dict[str, Candidate], scores: dict[str, float], weight: float
) -> dict[str, float]:
    """Each chunk gains ``weight`` times the scores of its file's other candidates, best
    first, each further one counting less (1, 1/2, 1/3, ...)."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for chunk_id, candidate in candidates.items():
        by_file[candidate.path].append(chunk_id)
    out = {}
    for group in by_file.values():
        group.sort(key=lambda chunk_id: -scores[chunk_id])
        for chunk_id in group:
            others = [scores[other] for other in group if other != chunk_id]
            gain = sum(value / (i + 1) for i, value in enumerate(others))
            out[chunk_id] = scores[chunk_id] + weight * gain
    return out


def _diversify(
    candidates: dict[str, Candidate],
    ordered: list[str],
    scores: dict[str, float],
    factor: float,
) -> tuple[list[str], dict[str, float]]:
    """Re-sort with each file's n-th chunk scaled by ``factor`` ** (n - 1)."""
    seen: dict[str, int] = defaultdict(int)
    adjusted = {}
    for chunk_id in ordered:
        path = candidates[chunk_id].path
        adjusted[chunk_id] = scores[chunk_id] * factor ** seen[path]
        seen[path] += 1
    return sorted(ordered, key=lambda chunk_id: -adjusted[chunk_id]), adjusted
