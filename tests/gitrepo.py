"""A small git work tree for the freshness tests: code, prose, an ignore file, two commits'
worth of history to diff against, and helpers to drive git and wait on conditions."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from indexers.chunk import bytes_hash

UPLOADS = '''"""Uploads."""

import time


def upload(path):
    """Send one file."""
    return send(path)


def retry_upload(path, attempts=3):
    """Try again after a pause."""
    for attempt in range(attempts):
        time.sleep(2 ** attempt)
        if upload(path):
            return True
    return False
'''

BILLING = '''"""Billing."""


def invoice_total(lines):
    """Add up the invoice lines."""
    return sum(line.amount for line in lines)
'''

GUIDE = "# Guide\n\nInstall the uploader.\n\n## Usage\n\nRun it with a path.\n"


def git(repo: Path, *arguments: str) -> str:
    """Run git in ``repo`` with a fixed identity; its stdout."""
    identity = ["-c", "user.name=test", "-c", "user.email=test@localhost"]
    result = subprocess.run(
        ["git", *identity, "-c", "commit.gpgsign=false", *arguments],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def make_repo(directory: Path) -> Path:
    """A work tree on branch ``main`` with one commit; ``build/`` and ``*.log`` are ignored."""
    files = {
        "src/uploads.py": UPLOADS,
        "src/billing.py": BILLING,
        "docs/guide.md": GUIDE,
        "notes.txt": "Plain notes about the project.\n",
        ".gitignore": "build/\n*.log\n",
    }
    for relative, text in files.items():
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_text(text)
    git(directory, "init", "-q", "-b", "main")
    git(directory, "add", "-A")
    git(directory, "commit", "-qm", "first")
    return directory


def indexed_state(retriever) -> dict[str, str]:
    """Path -> content hash of every indexed file document."""
    return {doc.path: doc.content_hash for doc in retriever.documents(limit=1000).documents}


def disk_state(repo: Path) -> dict[str, str]:
    """Path -> content hash of every file git lists (tracked, and untracked but not ignored),
    but for an index directory inside the tree: what an index of the work tree should hold."""
    listed = git(repo, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    paths = [
        path
        for path in listed.split("\0")
        if path and not path.startswith(".retriever/") and (repo / path).is_file()
    ]
    return {path: bytes_hash((repo / path).read_bytes()) for path in paths}


def wait_for(condition: Callable[[], object], what: str, timeout: float = 120) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
