"""Writes the sample corpus's documents (a PDF, a Word file, a deck and a notebook) about the
made-up Parcel service, with the writing side of the libraries that read them:

    python data/make_documents.py

They are made by the project, like the rest of ``data/`` (MIT). Re-running rewrites them.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from document_files import docx, notebook, pdf, pptx  # noqa: E402

SAMPLE = HERE / "sample"

MANUAL_PAGES = [
    [
        "Parcel Operator Manual",
        "This manual is for the people who run parceld in production: deploying it,",
        "watching it, and putting it right when it goes wrong. The developer guides",
        "live in docs/; this manual only covers what operators touch.",
        "",
        "Deploying parceld",
        "parceld ships as one static binary. scripts/deploy.sh rolls it out one host",
        "at a time behind the load balancer and rolls back when the health check fails.",
    ],
    [
        "When uploads fail",
        "A failed upload is retried by the client, never by the server: the Python SDK",
        "retries each part up to five times with exponential backoff and full jitter.",
        "On the server side a retried part is an ordinary PUT of the same part number;",
        "the checksum header decides whether the stored part is replaced.",
        "",
        "Watch the parcel_upload_retries_total counter. A rate above five per cent of",
        "part uploads for ten minutes pages the on-call engineer: it usually means the",
        "object store is slow, not that clients misbehave.",
    ],
    [
        "Backups and restores",
        "scripts/backup.sh takes a nightly snapshot of the metadata database and copies",
        "it to the backup bucket. Restores are rehearsed on the first Monday of each",
        "month; the runbook in docs/runbook.md has the exact commands.",
    ],
]

MANUAL_OUTLINE = [
    ("Parcel Operator Manual", 0, 0),
    ("Deploying parceld", 0, 1),
    ("When uploads fail", 1, 1),
    ("Backups and restores", 2, 1),
]

REVIEW = [
    ("title", "Incident review: stalled uploads on 14 March"),
    ("heading1", "Summary"),
    (
        "paragraph",
        "For 47 minutes, large uploads from the web widget stalled at 99 per cent. The "
        "object store answered slowly, clients retried their failed parts at the same "
        "moment, and the retries themselves kept the store overloaded.",
    ),
    ("heading1", "Timeline"),
    (
        "table",
        [
            ["Time (UTC)", "Event"],
            ["09:12", "Object store latency rises above 2 s"],
            ["09:15", "Retry rate alert pages the on-call engineer"],
            ["09:59", "Jitter enabled in the web widget; uploads recover"],
        ],
    ),
    ("heading1", "What went wrong"),
    ("heading2", "Retries without jitter"),
    (
        "paragraph",
        "The Python SDK already spread its retries with full jitter, but the web widget "
        "retried a failed part after a fixed two seconds, so thousands of browsers "
        "retried in lockstep.",
    ),
    ("heading1", "Follow-ups"),
    ("paragraph", "Give the web widget the same backoff policy as the SDK (owner: Priya Raman)."),
]

DECK = [
    {
        "title": "Upload reliability, third quarter",
        "body": ["99.2% of uploads finish on the first try", "Goal for next quarter: 99.5%"],
        "notes": "Start with the headline number; the March incident is on slide 3.",
    },
    {
        "title": "Why uploads failed",
        "body": ["Most failures are transient and succeed when retried"],
        "table": [["Cause", "Share"], ["Object store timeouts", "61%"], ["Client network", "30%"]],
    },
    {
        "title": "What we changed",
        "body": ["Jittered retries in the web widget", "Checksum per part, not per file"],
        "notes": "Mention that the SDK had jitter all along; only the widget retried in lockstep.",
    },
]

ANALYSIS = [
    (
        "markdown",
        "# Upload retry analysis\n\nHow often does a retried part succeed? Data: one week "
        "of upload logs exported from parceld.",
    ),
    ("code", "import pandas as pd\n\nlogs = pd.read_csv('upload_parts.csv')"),
    (
        "code",
        "def retry_success_rate(logs):\n"
        '    """Share of retried parts that were stored on a later attempt."""\n'
        "    retried = logs[logs.attempt > 1]\n"
        "    return (retried.status == 'stored').mean()\n",
    ),
    ("markdown", "## Findings\n\nNine in ten retried parts succeed by the third attempt."),
    ("code", "retry_success_rate(logs)"),
]


def main() -> None:
    (SAMPLE / "docs" / "operator-manual.pdf").write_bytes(pdf(MANUAL_PAGES, MANUAL_OUTLINE))
    (SAMPLE / "docs" / "incident-review.docx").write_bytes(docx(REVIEW))
    (SAMPLE / "docs" / "reliability-review.pptx").write_bytes(pptx(DECK))
    (SAMPLE / "notes" / "retry-analysis.ipynb").write_bytes(notebook(ANALYSIS))


if __name__ == "__main__":
    main()
