"""Git's view of a work tree, through the ``git`` command: the commit checked out, whether the
tree has uncommitted changes, and which paths changed since a revision.

Every function takes a directory inside the work tree and answers relative to it (git's
``--relative`` view), so an indexed root below the top of a repository works the same.

An indexed repository is untrusted: its ``.git/config`` and ``.gitattributes`` can name commands
that git runs on its own account (an fsmonitor, filter and diff drivers, hooks, a pager). Every
call here switches each of them off on the command line, which outranks any configuration file,
runs git with a clean environment and never lets it write to the repository; see
``docs/security.md``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retriever.errors import RetrieverError

#: Generous: only a pathological repository makes these commands slow.
TIMEOUT_S = 60

#: Settings that would let a repository run commands of its choosing, switched off.
SAFE_CONFIG = {
    "core.fsmonitor": "false",
    "core.hooksPath": os.devnull,
    "core.pager": "cat",
    "core.sshCommand": "false",
    "core.askPass": "",
    "credential.helper": "",
    "diff.external": "",
    "protocol.allow": "never",
}
#: Per-driver commands (``filter.<driver>.clean``, ``diff.<driver>.textconv``, ...), which the
#: repository's ``.gitattributes`` switch on by name: every configured one is emptied.
DRIVER_COMMANDS = r"^(filter|diff|merge)\..+\.(clean|smudge|process|textconv|command|driver)$"


@dataclass(frozen=True, slots=True)
class WorkTree:
    """Where a directory's work tree stands now."""

    commit: str | None  # None before the first commit
    dirty: bool  # tracked changes, or untracked files that are not ignored


def _environment() -> dict[str, str]:
    """This process's environment without git's own variables (a ``GIT_DIR`` or
    ``GIT_CONFIG_PARAMETERS`` inherited from a hook would redirect or reconfigure git), without
    the system-wide configuration, never prompting and never taking the index lock."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    return {
        **clean,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
    }


def _run(directory: Path, arguments: Sequence[str]) -> subprocess.CompletedProcess[bytes] | None:
    """Run git in ``directory``; None when git is missing or fails to start."""
    if shutil.which("git") is None:
        return None
    try:
        return subprocess.run(
            ["git", "--no-pager", *arguments],
            cwd=directory,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


class _Git:
    """git in one directory, with every command the repository's configuration names switched
    off (read once: reading the configuration runs nothing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        listed = _run(
            directory, ["config", "--null", "--name-only", "--get-regexp", DRIVER_COMMANDS]
        )
        drivers = _paths(listed.stdout) if listed is not None and listed.returncode == 0 else []
        settings = {**SAFE_CONFIG, **dict.fromkeys(drivers, "")}
        self.options = [part for item in settings.items() for part in ("-c", "=".join(item))]

    def __call__(self, *arguments: str) -> subprocess.CompletedProcess[bytes] | None:
        return _run(self.directory, [*self.options, *arguments])

    def inside(self) -> bool:
        inside = self("rev-parse", "--is-inside-work-tree")
        return inside is not None and inside.returncode == 0 and inside.stdout.strip() == b"true"

    def head(self) -> str | None:
        head = self("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        return head.stdout.decode().strip() if head and head.returncode == 0 else None

    def top_relative(self, path: Path) -> str | None:
        top = self("rev-parse", "--show-toplevel")
        if top is None or top.returncode != 0:
            return None
        root = Path(top.stdout.decode().strip()).resolve()
        resolved = path.resolve()
        return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else None


def _paths(output: bytes) -> list[str]:
    return [path for path in output.decode("utf-8", "surrogateescape").split("\0") if path]


def head_commit(directory: Path) -> str | None:
    """The commit checked out in the work tree ``directory`` is in; None outside a work tree
    or before the first commit."""
    return _Git(directory).head()


def work_tree(directory: Path, exclude: Sequence[Path] = ()) -> WorkTree | None:
    """The state of the work tree ``directory`` is in, or None outside one. ``exclude``:
    directories (such as the index itself) whose files do not make the tree dirty."""
    git = _Git(directory)
    if not git.inside():
        return None
    excluded = [
        f":(exclude,top){relative}"
        for relative in map(git.top_relative, exclude)
        if relative is not None
    ]
    status = git(
        "status",
        "--porcelain",
        "-z",
        "--ignore-submodules=dirty",  # looking inside a submodule would run its own config
        "--",
        ".",
        *excluded,
    )
    return WorkTree(git.head(), bool(status and status.stdout.strip(b"\0")))


def changed_since(directory: Path, revision: str) -> list[str]:
    """Paths under ``directory`` that differ between ``revision`` and the files on disk:
    committed since, staged or not, deleted, plus untracked files that are not ignored.
    A rename counts as its old path and its new one."""
    if not revision or revision.startswith("-"):
        raise RetrieverError(f"not a revision: {revision!r}")
    git = _Git(directory)
    if not git.inside():
        raise RetrieverError(f"--since needs a git work tree: {directory} is not in one")
    verified = git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if verified is None or verified.returncode != 0:
        raise RetrieverError(f"unknown revision {revision!r} in {directory}")
    commit = verified.stdout.decode().strip()
    diff = git(
        "diff",
        "--name-only",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--ignore-submodules=dirty",
        "--relative",
        "-z",
        commit,
    )
    untracked = git("ls-files", "--others", "--exclude-standard", "-z")
    if diff is None or diff.returncode != 0 or untracked is None or untracked.returncode != 0:
        error = diff.stderr if diff is not None and diff.returncode else b"git failed"
        raise RetrieverError(f"git diff {revision} failed: {error.decode(errors='replace')}")
    return list(dict.fromkeys(_paths(diff.stdout) + _paths(untracked.stdout)))
