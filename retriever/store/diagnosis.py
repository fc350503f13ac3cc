"""What ``retriever doctor`` reports: one check per concern, and the diagnosis of an index."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["ok", "warning", "problem", "repaired"]


@dataclass(slots=True)
class Check:
    name: str
    outcome: Outcome
    detail: str
    #: Whether ``--repair`` can fix it (by rebuilding derived data or deleting orphans).
    repairable: bool = False


@dataclass(slots=True)
class Diagnosis:
    index_dir: str
    checks: list[Check] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """No problem remains (warnings are harmless leftovers or a writer at work)."""
        return all(check.outcome != "problem" for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index_dir": self.index_dir,
            "healthy": self.healthy,
            "checks": [asdict(c) for c in self.checks],
        }
