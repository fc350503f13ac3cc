"""What git says about indexed roots: the commit each was indexed at, where its work tree stands
now, and the paths a refresh should look at."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from retriever.ingest import git
from retriever.ingest.indexing import Root


def scopes(
    roots: Sequence[Root], changed: Iterable[str | Path] | None, since: str | None
) -> dict[Root, list[str]] | None:
    """Where a refresh looks in each root: the paths that differ from revision ``since`` (git
    diff plus untracked files), or the ``changed`` paths; None: everywhere."""
    if since is not None:
        return {root: git.changed_since(root.directory, since) for root in roots}
    if changed is not None:
        return relative_to(roots, changed)
    return None


def relative_to(roots: Sequence[Root], changed: Iterable[str | Path]) -> dict[Root, list[str]]:
    """Each root's share of ``changed``, as paths relative to it. A path's directory is
    resolved (like the roots') but not the path itself: it may be gone, or be a link."""
    absolute = []
    for path in changed:
        given = Path(path).expanduser().absolute()
        absolute.append(given.parent.resolve() / given.name if given.name else given.resolve())
    return {
        root: [
            "" if path == root.directory else path.relative_to(root.directory).as_posix()
            for path in absolute
            if path.is_relative_to(root.directory)
        ]
        for root in roots
    }


def head_commits(roots: Sequence[Root]) -> dict[str, str | None]:
    """The commit each root's work tree is at (None outside git), by root path."""
    return {str(root.path): git.head_commit(root.directory) for root in roots}


def work_tree_states(
    commits: Mapping[str, str], exclude: Sequence[Path]
) -> dict[str, dict[str, Any]]:
    """Per root indexed in a git work tree: the commit indexed, where the tree is now, and
    whether it has moved since (another HEAD, or uncommitted changes)."""
    states = {}
    for root, indexed in commits.items():
        path = Path(root)
        now = git.work_tree(path if path.is_dir() else path.parent, exclude=list(exclude))
        if now is not None:
            moved = now.commit != indexed or now.dirty
            states[root] = {
                "indexed_commit": indexed,
                "head": now.commit,
                "dirty": now.dirty,
                "moved": moved,
            }
    return states
