"""Git's view of a work tree, through the ``git`` command: the commit checked out, whether the
tree has uncommitted changes, and which paths changed since a revision.

Every function takes a directory inside the work tree and answers relative to it (git's
``--relative`` view), so an indexed root below the top of a repository works the same.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retriever.errors import RetrieverError

#: Generous: only a pathological repository makes these commands slow.
TIMEOUT_S = 60


@dataclass(frozen=True, slots=True)
class WorkTree:
    """Where a directory's work tree stands now."""

    commit: str | None  # None before the first commit
    dirty: bool  # tracked changes, or untracked files that are not ignored


def _git(directory: Path, *arguments: str) -> subprocess.CompletedProcess[bytes] | None:
    """Run git in ``directory``; None when git is missing or fails to start."""
    if shutil.which("git") is None:
        return None
    try:
        return subprocess.run(
            ["git", *arguments],
            cwd=directory,
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _paths(output: bytes) -> list[str]:
    return [path for path in output.decode("utf-8", "surrogateescape").split("\0") if path]


def _inside(directory: Path) -> bool:
    inside = _git(directory, "rev-parse", "--is-inside-work-tree")
    return inside is not None and inside.returncode == 0 and inside.stdout.strip() == b"true"


def head_commit(directory: Path) -> str | None:
    """The commit checked out in the work tree ``directory`` is in; None outside a work tree
    or before the first commit."""
    head = _git(directory, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    return head.stdout.decode().strip() if head and head.returncode == 0 else None


def work_tree(directory: Path, exclude: Sequence[Path] = ()) -> WorkTree | None:
    """The state of the work tree ``directory`` is in, or None outside one. ``exclude``:
    directories (such as the index itself) whose files do not make the tree dirty."""
    if not _inside(directory):
        return None
    commit = head_commit(directory)
    excluded = [
        f":(exclude,top){_top_relative(directory, path)}"
        for path in exclude
        if _top_relative(directory, path) is not None
    ]
    status = _git(directory, "status", "--porcelain", "-z", "--", ".", *excluded)
    return WorkTree(commit, bool(status and status.stdout.strip(b"\0")))


def _top_relative(directory: Path, path: Path) -> str | None:
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0:
        return None
    root = Path(top.stdout.decode().strip()).resolve()
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else None


def changed_since(directory: Path, revision: str) -> list[str]:
    """Paths under ``directory`` that differ between ``revision`` and the files on disk:
    committed since, staged or not, deleted, plus untracked files that are not ignored.
    A rename counts as its old path and its new one."""
    if not revision or revision.startswith("-"):
        raise RetrieverError(f"not a revision: {revision!r}")
    if not _inside(directory):
        raise RetrieverError(f"--since needs a git work tree: {directory} is not in one")
    verified = _git(directory, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if verified is None or verified.returncode != 0:
        raise RetrieverError(f"unknown revision {revision!r} in {directory}")
    commit = verified.stdout.decode().strip()
    diff = _git(directory, "diff", "--name-only", "--no-renames", "--relative", "-z", commit)
    untracked = _git(directory, "ls-files", "--others", "--exclude-standard", "-z")
    if diff is None or diff.returncode != 0 or untracked is None or untracked.returncode != 0:
        error = diff.stderr if diff is not None and diff.returncode else b"git failed"
        raise RetrieverError(f"git diff {revision} failed: {error.decode(errors='replace')}")
    return list(dict.fromkeys(_paths(diff.stdout) + _paths(untracked.stdout)))
