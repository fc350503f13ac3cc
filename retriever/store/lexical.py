"""Identifier-aware terms for lexical search (SQLite FTS5 with BM25).

Code queries hinge on names: ``retry_upload_request``, ``parseHttpResponse``,
``storage.backend``. Indexed text keeps each identifier whole (FTS5 is told ``_`` is part of a
word) and adds its parts, so both ``retry_upload_request`` and ``upload request`` match.
"""

from __future__ import annotations

import re

#: Identifiers, with dotted, ``::`` and path-joined names as one match.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|/|-)[A-Za-z_][A-Za-z0-9_]*)*")
#: camelCase and PascalCase boundaries, acronyms (``HTTPServer`` -> ``HTTP``, ``Server``), digits.
WORD_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
#: FTS5's unicode61 tokenizer with underscores kept inside words.
TOKENIZER = "unicode61 tokenchars '_'"
MAX_QUERY_TERMS = 48

#: Words that say nothing about which chunk answers a question.
_STOPWORDS = (
    "a an and are as at be by can do does for from how i if in into is it its of on or our "
    "should so that the their then there these this to was we what when where which who why "
    "will with you your"
)
STOPWORDS = frozenset(_STOPWORDS.split())


def identifier_parts(identifier: str) -> list[str]:
    """``Uploader.retry_upload`` -> ``[uploader, retry, upload]``; ``HTTPServer`` ->
    ``[http, server]``. Lower case; empty for a plain word."""
    parts = [
        part.lower()
        for piece in re.split(r"[._:/\-]+", identifier)
        for part in WORD_PART.findall(piece)
    ]
    return parts if len(parts) > 1 else []


def expand(text: str) -> str:
    """``text`` plus the parts of every compound identifier in it, for the lexical index."""
    extra = [part for match in IDENTIFIER.finditer(text) for part in identifier_parts(match[0])]
    return f"{text}\n{' '.join(extra)}" if extra else text


def query_terms(query: str) -> list[str]:
    """Distinct lower-case terms of a query: words, whole identifiers and their parts."""
    terms: list[str] = []
    for match in re.finditer(r"\w+", expand(query).lower()):
        term = match[0]
        if term not in STOPWORDS and term not in terms:
            terms.append(term)
    return terms[:MAX_QUERY_TERMS]


def match_expression(terms: list[str]) -> str:
    """An FTS5 MATCH expression: any of the terms, each quoted so no term is FTS syntax."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
