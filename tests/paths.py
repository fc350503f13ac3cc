"""Where the repository's own test material lives."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
SAMPLE_QUERIES = REPO / "data" / "sample-queries.jsonl"
