"""Jupyter notebooks (.ipynb): one part per cell, numbered from 1 as a person counts them;
markdown (and raw) cells are prose, code cells are code in the kernel's language; outputs are
left out. Markdown headings carry across cells, so code sits under the heading above it."""

from __future__ import annotations

import json
import re
from typing import Any

from indexers.documents.parts import Budget, Extraction, Part, Refused
from indexers.text import Breadcrumbs

_ATX = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")

#: Kernel language names -> the project's language names (others pass through lower-cased).
_LANGUAGES = {"python3": "python", "ipython": "python", "c++": "cpp", "c#": "csharp", "sh": "bash"}


def extract(data: bytes, budget: Budget) -> Extraction:
    try:
        notebook = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise Refused("malformed", f"not JSON: {exc}") from exc
    if not isinstance(notebook, dict):
        raise Refused("malformed", "not a notebook (no cells)")
    cells = _cells(notebook)
    language = kernel_language(notebook)
    crumbs = Breadcrumbs()
    heading: str | None = None
    parts: list[Part] = []
    for number, cell in enumerate(cells, start=1):
        kind = cell.get("cell_type") if isinstance(cell, dict) else None
        text = budget.add(_normalise(_source(cell)))
        if kind == "code":
            parts.append(Part(text, number, language, heading, kind="code"))
        else:
            heads = _heads(text, crumbs) if kind == "markdown" else ()
            parts.append(Part(text, number, "markdown", heading, heads, kind="section"))
            if heads:
                heading = heads[-1][1]
        budget.step()
    if not any(part.text for part in parts):
        raise Refused("empty", f"none of its {len(parts)} cells has text")
    return Extraction("ipynb", tuple(parts))


def kernel_language(notebook: dict[str, Any]) -> str:
    """The code cells' language, from the kernel spec or the language info; python if neither."""
    metadata = notebook.get("metadata") or {}
    for name in (
        (metadata.get("kernelspec") or {}).get("language"),
        (metadata.get("language_info") or {}).get("name"),
    ):
        if isinstance(name, str) and name.strip():
            lowered = name.strip().lower()
            return _LANGUAGES.get(lowered, lowered)
    return "python"


def _cells(notebook: dict[str, Any]) -> list[Any]:
    if isinstance(notebook.get("cells"), list):
        return notebook["cells"]
    worksheets = notebook.get("worksheets")  # nbformat 3
    if isinstance(worksheets, list) and worksheets and isinstance(worksheets[0], dict):
        cells = worksheets[0].get("cells")
        if isinstance(cells, list):
            return cells
    raise Refused("malformed", "not a notebook (no cells)")


def _source(cell: Any) -> str:
    if not isinstance(cell, dict):
        return ""
    source = cell.get("source", cell.get("input", ""))  # nbformat 3 code cells say "input"
    if isinstance(source, list):
        return "".join(line for line in source if isinstance(line, str))
    return source if isinstance(source, str) else ""


def _normalise(text: str) -> str:
    body = text.replace("\r\n", "\n").strip("\n")
    return body + "\n\n" if body.strip() else ""


def _heads(text: str, crumbs: Breadcrumbs) -> tuple[tuple[int, str | None], ...]:
    """ATX headings outside code fences, as (offset, breadcrumb) on the notebook's crumbs."""
    heads: list[tuple[int, str | None]] = []
    fence = ""
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\n")
        opening = _FENCE.match(stripped)
        if fence:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = ""
        elif opening:
            fence = opening[1]
        elif match := _ATX.fullmatch(stripped):
            heads.append((offset, crumbs.push(len(match[1]), match[2].strip())))
        offset += len(line)
    return tuple(heads)
