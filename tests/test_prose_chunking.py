"""Prose chunking: Markdown, reStructuredText, HTML, plain text and the line fallback."""

from __future__ import annotations

import os
import site
from pathlib import Path

import pytest

from indexers.chunk import Chunk, TokenCounter
from indexers.chunking import chunk_text

LONG_PARAGRAPHS = "\n\n".join(
    f"Paragraph {n} of the long section explains step {n} of the pipeline: the crawler finds "
    f"files, the chunker splits them, the encoder embeds each chunk and the index stores the "
    f"vectors next to the text — déjà vu for step {n}, 検索 {n}."
    for n in range(1, 9)
)

MARKDOWN = f"""---
title: Retriever
tags: [search, rag]
---

Retriever indexes documents and source code.

# Retriever

Structure-aware chunks for LLM apps: café, naïve, 日本語, emoji 🚀.

## Install

Pick one of the ways below.

### From PyPI

```bash
# this comment is not a heading
pip install retriever
```

### From source

~~~~text
```
# still code: a backtick fence does not close a tilde fence
```
~~~
## nor does a shorter tilde fence
~~~~

Build it:

    make build

Usage
-----

Run `retriever index .` in a repository.

> Tip: a block quote
> spans lines.

| Option | Meaning |
|--------|---------|
| `-v`   | verbose |

Configuration
=============

#hashtag is not a heading, nor is #this.

## Options ##

- `budget`: tokens per chunk
- `model`: the encoder
  1. nested item

Long section
------------

{LONG_PARAGRAPHS}
"""

MARKDOWN_HEADINGS = [
    None,  # front matter
    None,  # the text before the first heading
    "Retriever",
    "Retriever > Install",
    "Retriever > Install > From PyPI",
    "Retriever > Install > From source",
    "Retriever > Usage",
    "Configuration",
    "Configuration > Options",
    "Configuration > Long section",
]

RST = f"""=========
Retriever
=========

Retriever indexes documents — café, 日本語.

Getting started
===============

Install it::

    pip install retriever

    # a comment in a literal block

Then index a folder.

From source
-----------

.. code-block:: bash

   git clone https://example.com/retriever.git
   cd retriever

   make install

Details
~~~~~~~

Details are in the reference.

日本語の節
==========

Text in Japanese: 検索エンジン.

--------

Text after a transition.

Reference
=========

Too short
===

The line above is not a title: its underline is shorter than the text.

Long section
------------

{LONG_PARAGRAPHS}
"""

RST_HEADINGS = [
    "Retriever",
    "Retriever > Getting started",
    "Retriever > Getting started > From source",
    "Retriever > Getting started > From source > Details",
    "Retriever > 日本語の節",
    "Retriever > Reference",
    "Retriever > Reference > Long section",
]

HTML_LONG = "\n".join(f"<p>{paragraph}</p>" for paragraph in LONG_PARAGRAPHS.split("\n\n"))

HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Retriever &mdash; docs</title>
  <style>h1 {{ color: #333; }}</style>
</head>
<body>
<h1 id="top">Retriever <small>v1</small></h1>
<p>Retriever indexes documents &mdash; café, 日本語.</p>
<!-- <h2>Commented out</h2> -->
<h2>Install &amp; <code>setup</code></h2>
<p>Pick one of the ways below.</p>
<h3 class="sub">
  From
  source
</h3>
<pre><code>git clone https://example.com/retriever.git
cd retriever &amp;&amp; make install
</code></pre>
<ul>
  <li>one</li>
  <li>two</li>
</ul>
<h2>Usage</h2>
<table>
  <tr><th>Option</th><th>Meaning</th></tr>
  <tr><td>-v</td><td>verbose</td></tr>
</table>
<script>document.write("<h2>not a heading</h2>");</script>
<h2>Long section</h2>
{HTML_LONG}
</body>
</html>
"""

HTML_HEADINGS = [
    None,
    "Retriever v1",
    "Retriever v1 > Install & setup",
    "Retriever v1 > Install & setup > From source",
    "Retriever v1 > Usage",
    "Retriever v1 > Long section",
]

TEXT = f"""Retriever release notes
=======================

Version 1.0 brings structure-aware chunking for Markdown, reStructuredText
and HTML, and a line-aware fallback for everything else.

Thanks to everyone who reported bugs — merci, danke, ありがとう.


{LONG_PARAGRAPHS}
"""

YAML = """# Retriever configuration
index:
  path: ~/.cache/retriever
  shards: 4

model:
  name: all-MiniLM-L6-v2
  budget: 256
  device: cpu

sources:
  - path: ./docs
    languages: [markdown, rst, html]
  - path: ./src
    exclude:
      - "**/node_modules/**"
      - "**/.git/**"

# Comments in ünïcödé are kept with their block.
server:
  host: 127.0.0.1
  port: 8000
""" + "".join(f"extra_{n}:\n  value: {n}\n  note: padding line {n}\n" for n in range(30))

DOCUMENTS = {
    "markdown": MARKDOWN,
    "rst": RST,
    "html": HTML,
    "text": TEXT,
    "yaml": YAML,
}

#: Blocks that must stay in one chunk whenever they fit the budget.
ATOMIC = {
    "markdown": [
        "```bash\n# this comment is not a heading\npip install retriever\n```\n",
        MARKDOWN[MARKDOWN.index("~~~~text") : MARKDOWN.index("\n\nBuild it")],
    ],
    "rst": [
        RST[RST.index("Install it::") : RST.index("\n\nThen index")],
        RST[RST.index(".. code-block::") : RST.index("\n\nDetails")],
    ],
}

BUDGETS = [32, 64, 256]
NEWLINES = {"lf": "\n", "crlf": "\r\n"}


def chunk(source: str, language: str, budget: int, count: TokenCounter) -> list[Chunk]:
    return chunk_text(source, f"doc.{language}", language, budget, count)


def check_invariants(source: str, chunks: list[Chunk], budget: int, count: TokenCounter) -> None:
    """Chunks rebuild the text, their coordinates are right and each one fits the budget."""
    assert "".join(c.text for c in chunks) == source
    data = source.encode("utf-8")
    offset = 0
    for c in chunks:
        assert data[c.start_byte : c.end_byte].decode("utf-8") == c.text
        assert c.start_line == 1 + source.count("\n", 0, offset)
        # A chunk ending in a line break ends on that line, not on the next.
        assert c.end_line - c.start_line == c.text.removesuffix("\n").count("\n")
        assert c.token_count == count(c.text) <= budget
        offset += len(c.text)


def with_newline(text: str, newline: str) -> str:
    return text.replace("\n", newline)


@pytest.mark.parametrize("newline", NEWLINES.values(), ids=NEWLINES.keys())
@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("language", DOCUMENTS)
def test_chunks_partition_and_fit(
    language: str, budget: int, newline: str, minilm_count: TokenCounter
) -> None:
    source = with_newline(DOCUMENTS[language], newline)
    check_invariants(source, chunk(source, language, budget, minilm_count), budget, minilm_count)


@pytest.mark.parametrize("newline", NEWLINES.values(), ids=NEWLINES.keys())
@pytest.mark.parametrize(
    ("language", "expected"),
    [("markdown", MARKDOWN_HEADINGS), ("rst", RST_HEADINGS), ("html", HTML_HEADINGS)],
)
def test_one_chunk_per_section_with_breadcrumbs(
    language: str, expected: list[str | None], newline: str, word_count: TokenCounter
) -> None:
    chunks = chunk(with_newline(DOCUMENTS[language], newline), language, 10_000, word_count)
    assert [c.heading for c in chunks] == expected


def test_markdown_front_matter_is_its_own_chunk(word_count: TokenCounter) -> None:
    front, preamble, *_ = chunk(MARKDOWN, "markdown", 10_000, word_count)
    assert front.kind == "front_matter"
    assert front.text == "---\ntitle: Retriever\ntags: [search, rag]\n---\n\n"
    assert (preamble.kind, preamble.start_line) == ("section", 6)


# 48: the Markdown "From source" section no longer fits, its tilde fence still does.
@pytest.mark.parametrize("budget", [32, 48, 256])
@pytest.mark.parametrize("language", ATOMIC)
def test_code_blocks_stay_whole_when_they_fit(
    language: str, budget: int, minilm_count: TokenCounter
) -> None:
    chunks = chunk(DOCUMENTS[language], language, budget, minilm_count)
    for block in ATOMIC[language]:
        if minilm_count(block) <= budget:
            assert any(block in c.text for c in chunks), block


@pytest.mark.parametrize("language", ["markdown", "rst", "html", "text"])
def test_oversized_section_splits_between_paragraphs(
    language: str, minilm_count: TokenCounter
) -> None:
    chunks = chunk(DOCUMENTS[language], language, 64, minilm_count)
    long = [c for c in chunks if "step 5 of the pipeline" in c.text][0]
    same = [c for c in chunks if c.heading == long.heading and c.kind == long.kind]
    assert len(same) >= 3
    # Splits fall between paragraphs: no chunk of the section starts with a blank line.
    assert all(not c.text[0].isspace() for c in same)
    if language != "text":
        assert long.heading is not None and long.heading.endswith("Long section")


@pytest.mark.parametrize("language", ["text", "yaml"])
def test_plain_text_and_fallback_split_at_line_ends(
    language: str, minilm_count: TokenCounter
) -> None:
    chunks = chunk(DOCUMENTS[language], language, 64, minilm_count)
    assert len(chunks) > 3
    assert {(c.kind, c.heading) for c in chunks} == {("text", None)}
    # No line of these documents is too long for the budget, so no chunk ends mid-line.
    assert all(c.text.endswith("\n") for c in chunks)


@pytest.mark.parametrize(
    "source",
    [
        "<h2>unclosed heading\n<p>text after it\n<h3>next</h3>",
        "<![foo[ bar ]]>\n<h1>after a bad marked section</h1>\n<p>text</p>\n",
        "</div></p><h3><h4>nested</h3>\n<p>a &bogus; b &amp c</p>",
        "<h1 <p>>broken tag</h1>\n<div\n",
    ],
)
def test_malformed_html_never_crashes(source: str, minilm_count: TokenCounter) -> None:
    check_invariants(source, chunk(source, "html", 32, minilm_count), 32, minilm_count)


@pytest.mark.parametrize(
    "source",
    ["====\n\n====\n", "Title\n", "::\n", "..\n  x\n\n=\n", "a\n=\nb\n-\n\n===\nx\n===\ny\n"],
)
def test_malformed_rst_never_crashes(source: str, minilm_count: TokenCounter) -> None:
    check_invariants(source, chunk(source, "rst", 32, minilm_count), 32, minilm_count)


LANGUAGE_OF = {".md": "markdown", ".rst": "rst", ".html": "html", ".txt": "text"}


def installed_documents(per_kind: int = 15, max_bytes: int = 64_000) -> list[object]:
    """A spread of the prose files that installed packages ship, ``per_kind`` per extension."""
    by_kind: dict[str, list[tuple[Path, str]]] = {suffix: [] for suffix in LANGUAGE_OF}
    for root in site.getsitepackages():
        for folder, folders, files in os.walk(root):
            folders.sort()
            for name in sorted(files):
                path = Path(folder, name)
                if path.suffix in by_kind and path.is_file() and path.stat().st_size <= max_bytes:
                    by_kind[path.suffix].append((path, os.path.relpath(path, root)))
    return [
        pytest.param(path, id=name)
        for found in by_kind.values()
        for path, name in found[:: max(1, len(found) // per_kind)][:per_kind]
    ]


@pytest.mark.parametrize("path", installed_documents())
def test_installed_documents(path: Path, minilm_count: TokenCounter) -> None:
    source = path.read_text(encoding="utf-8", errors="replace")
    chunks = chunk(source, LANGUAGE_OF[path.suffix], 128, minilm_count)
    check_invariants(source, chunks, 128, minilm_count)
