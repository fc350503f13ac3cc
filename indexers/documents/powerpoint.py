"""PowerPoint (.pptx): one part per slide: its title (the part's heading), the text of its
shapes in order (groups opened, tables as rows), then its speaker notes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from indexers.documents.office import check_archive, table_rows
from indexers.documents.parts import Budget, Extraction, Part, Refused

#: Groups nest; deeper than this is not a slide anyone drew.
MAX_GROUP_DEPTH = 32


def extract(data: bytes, budget: Budget) -> Extraction:
    check_archive(data, "ppt/presentation.xml")
    import pptx

    try:
        slides = list(pptx.Presentation(io.BytesIO(data)).slides)
    except Exception as exc:  # noqa: BLE001 - lxml, zipfile and python-pptx errors alike
        raise Refused("malformed", f"{type(exc).__name__}: {exc}") from exc
    parts = []
    for number, slide in enumerate(slides, start=1):
        parts.append(_slide(slide, number, budget))
        budget.step()
    if not any(part.text.strip() for part in parts):
        raise Refused("no-text", f"no text on any of its {len(parts)} slides")
    return Extraction("pptx", tuple(parts))


def _slide(slide, number: int, budget: Budget) -> Part:  # noqa: ANN001 - a python-pptx slide
    title_shape = slide.shapes.title
    title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
    blocks = [title] if title else []
    for shape in _shapes(slide.shapes, 0):
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        blocks.extend(_shape_text(shape))
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        text = notes.text.strip() if notes is not None else ""
        if text:
            blocks.append(f"Notes: {text}")
    body = "\n\n".join(block for block in blocks if block)
    text = budget.add(body + "\n\n" if body else "")
    heads = ((0, title),) if title else ()
    return Part(text, number, "pptx", None, heads, kind="slide")


def _shapes(shapes: Iterable, depth: int) -> Iterator:
    """The shapes in order, the members of groups in place of the group."""
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        if isinstance(shape, GroupShape):
            if depth < MAX_GROUP_DEPTH:
                yield from _shapes(shape.shapes, depth + 1)
        else:
            yield shape


def _shape_text(shape) -> list[str]:  # noqa: ANN001
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = table_rows(shape.table)
        return ["\n".join(rows)] if rows else []
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        lines = [line.strip() for line in shape.text_frame.text.splitlines()]
        text = "\n".join(line for line in lines if line)
        return [text] if text else []
    return []
