"""Labels at ingest: every chunk tagged with the label word that fits it best, as a filter.

How an index labels (labels, template, masked LM) is recorded in its manifest, so later runs
(`retriever index`, `POST /v1/index`, uploads) label their new chunks the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from retriever.encoding.models import resolve_masked_lm
from retriever.masked_lm.tasks import DEFAULT_TEMPLATE, MaskedLM, check_labels, split_template
from retriever.store.protocols import MetadataStore

#: Chunks classified per model call (and per transaction).
LABEL_BATCH = 32


@dataclass(frozen=True, slots=True)
class Labelling:
    labels: tuple[str, ...]
    template: str
    model: str

    @classmethod
    def of(cls, labels: Sequence[str], template: str | None, model: str) -> Labelling:
        """A checked labelling: bad labels, a bad template or a masked LM that is not
        available are refused before any work."""
        template = template or DEFAULT_TEMPLATE
        split_template(template)
        resolve_masked_lm(model)
        return cls(tuple(check_labels(labels)), template, model)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Labelling:
        return cls(tuple(data["labels"]), data["template"], data["model"])

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "labels": list(self.labels)}


def label_chunks(
    store: MetadataStore, requested: Labelling | None, masked_lm: Callable[[str], MaskedLM]
) -> int:
    """Give every chunk without a label its best label, by the ``requested`` labelling or
    else the recorded one; returns how many were labelled. A labelling other than the recorded
    one replaces it and labels every chunk afresh. A chunk too long for the model is judged by
    its start."""
    recorded = store.manifest().get("labelling")
    if requested is not None and requested.to_dict() != recorded:
        store.labels.clear()
        store.set_manifest({"labelling": requested.to_dict()})
        recorded = requested.to_dict()
    if not recorded:
        return 0
    labelling = Labelling.from_dict(recorded)
    model = masked_lm(labelling.model)
    labelled = 0
    while rows := store.labels.unlabelled(LABEL_BATCH):
        results = model.classify(
            [text for _, text in rows], labelling.labels, labelling.template, clip=True
        )
        store.labels.add(
            [
                (row_id, result.label, result.scores[result.label])
                for (row_id, _), result in zip(rows, results, strict=True)
            ]
        )
        labelled += len(rows)
    return labelled
