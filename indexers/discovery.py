"""Find the files under a root worth indexing, and read them.

``discover`` walks the tree honouring ignore files and cheap name/stat checks; ``load`` reads one
file and applies the checks that need its content. Files that are left out come back as
``Skipped`` with a reason, so callers can report them; ignored paths are left out silently.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

from indexers import documents
from indexers.chunk import bytes_hash
from indexers.content_checks import content_reason, read_unchanged
from indexers.decoding import decode, looks_binary
from indexers.ignore_rules import compile_rules
from indexers.languages import detect_language
from indexers.secrets import secret_file
from indexers.skip_rules import (
    _NAME_PATTERNS,
    ALWAYS_SKIPPED,
    BINARY_EXTENSIONS,
    IGNORE_FILES,
    READ_ATTEMPTS,
    ROOT_IGNORE_FILES,
    VENV_MARKER,
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file found under a root, before reading."""

    root: Path  # the resolved root directory
    path: str  # POSIX path relative to root (a link's own path, not its target's)
    size: int
    mtime_ns: int

    @property
    def abs_path(self) -> Path:
        return self.root / self.path


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path that was looked at and left out; ``reason`` is a key of ``SKIP_REASONS``
    (``indexers.skip_rules``)."""

    root: Path
    path: str
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class LoadedFile:
    source: SourceFile
    text: str
    encoding: str
    language: str
    content_hash: str  # blake2b (16 bytes) hex of the raw bytes read
    #: For a PDF, DOCX, PPTX or notebook: its pages, slides or cells (``text`` is their text).
    document: documents.Extraction | None = None


def _human_size(size: int) -> str:
    if size < 1 << 10:
        return f"{size} B"
    if size < 1 << 20:
        return f"{size / (1 << 10):.1f} KiB"
    return f"{size / (1 << 20):.1f} MiB"


def _name_reason(name: str) -> tuple[str, str] | None:
    """The skip reason a file name alone gives, with its detail."""
    lower = name.lower()
    for reason, pattern in _NAME_PATTERNS.items():
        if pattern.match(lower):
            return reason, "by file name"
    extension = os.path.splitext(lower)[1]
    if extension in BINARY_EXTENSIONS:
        return "binary", f"{extension} file"
    return None


def _printable(path: str) -> str:
    """``path`` with undecodable name bytes (surrogate escapes) shown as U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


#: The ignore files in effect for a directory: (directory rel path, its rules), shallowest first.
_Rules = tuple[tuple[str, GitIgnoreSpec], ...]


def _with_rules(rules: _Rules, directory: str, rel: str) -> _Rules:
    """``rules`` plus those of ``directory``'s own ignore files, if it has any."""
    names = IGNORE_FILES if rel else ROOT_IGNORE_FILES + IGNORE_FILES
    paths = [os.path.join(directory, name) for name in names]
    lines = [(path, line) for path in paths for line in _read_lines(path)]
    return (*rules, (rel, compile_rules(lines))) if lines else rules


def _hidden(rules: _Rules, name: str, rel: str, is_dir: bool) -> bool:
    """Whether ``rel`` is always skipped or ignored, assuming none of its parents is."""
    if name in ALWAYS_SKIPPED:
        return True
    suffix = "/" if is_dir else ""  # lets directory-only patterns (``build/``) match
    for base, spec in reversed(rules):  # the deepest ignore file with a say wins
        tail = rel[len(base) + 1 :] if base else rel
        verdict = spec.check_file(tail + suffix).include
        if verdict is not None:
            return verdict
    return False


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


def _inode(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


@dataclass(frozen=True, slots=True)
class _Dir:
    path: str  # as walked, possibly through a link (plain strings: deep trees stay cheap)
    rel: str  # "" for the root
    via_link: bool  # reached through a symlink, so its files may be duplicates
    rules: _Rules  # those of the parent directories; its own are added when it is scanned


_Item = SourceFile | Skipped | _Dir


class _Walker:
    """One walk of one root. Real paths go first; symlinks are deferred until the whole real tree
    is done, so a file reachable both ways is indexed under its real path."""

    def __init__(
        self, root: Path, max_file_bytes: int, exclude: Sequence[Path], secrets: bool = False
    ) -> None:
        self.root = root
        self.max_file_bytes = max_file_bytes
        self.secrets = secrets  # include likely-secret files
        self.root_rules = _with_rules((), str(root), "")
        # Compared by identity rather than by spelling, so any path to the same directory counts.
        self.excluded = {_inode(os.stat(path)) for path in exclude if os.path.isdir(path)}
        self.dirs_seen: set[tuple[int, int]] = set()
        self.files_seen: set[tuple[int, int]] = set()
        self.links: deque[tuple[str, str, _Rules]] = deque()
        # A partial walk (``walk_paths``) has not seen the real tree that links alias.
        self.partial = False
        self.rules_cache: dict[str, _Rules | None] = {}
        self.listings: dict[str, dict[str, os.DirEntry[str]]] = {}

    def walk(self) -> Iterator[SourceFile | Skipped]:
        self.dirs_seen.add(_inode(os.stat(self.root)))
        yield from self._expand(iter([_Dir(str(self.root), "", via_link=False, rules=())]))

    def walk_paths(self, paths: Iterable[str]) -> Iterator[SourceFile | Skipped]:
        """What ``walk`` would yield at or under each of ``paths`` (relative; they need not
        exist), without walking the rest of the tree."""
        self.partial = True
        self.dirs_seen.add(_inode(os.stat(self.root)))
        yield from self._expand(item for rel in outermost(paths) for item in self._at(rel))

    def _expand(self, items: Iterator[_Item]) -> Iterator[SourceFile | Skipped]:
        # An explicit stack of generators: no recursion limit, and sorted depth-first order.
        # The link drain sits at the bottom, so it runs once the real tree is exhausted.
        stack: list[Iterator[_Item]] = [self._drain_links(), items]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
            elif isinstance(item, _Dir):
                stack.append(self._scan(item))
            else:
                yield item

    def _at(self, rel: str) -> Iterator[_Item]:
        """The entry at ``rel``, as the walk would meet it: none when it or a parent is
        hidden, pruned or gone."""
        if not rel:
            yield _Dir(str(self.root), "", via_link=False, rules=())
            return
        parent, _, name = rel.rpartition("/")
        rules = self._rules_of(parent)
        if rules is None:
            return
        entry = self._listing(parent).get(name)
        if entry is None:  # gone since the change: nothing to find
            return
        item = self._entry(entry, rel, rules, via_link=False)
        if item is not None:
            yield item

    def _listing(self, directory: str) -> dict[str, os.DirEntry[str]]:
        """The entries of ``directory`` (relative) by name; read once per partial walk."""
        if directory not in self.listings:
            try:
                with os.scandir(os.path.join(self.root, directory)) as listing:
                    self.listings[directory] = {entry.name: entry for entry in listing}
            except OSError:
                self.listings[directory] = {}
        return self.listings[directory]

    def _rules_of(self, directory: str) -> _Rules | None:
        """The ignore rules in effect inside ``directory`` (relative), or None when the walk
        would never enter it. Memoised: a change set shares most of its parents."""
        if directory not in self.rules_cache:
            rules: _Rules | None = None
            if not directory:
                rules = self.root_rules
            else:
                parent, _, name = directory.rpartition("/")
                above = self._rules_of(parent)
                path = os.path.join(self.root, directory)
                if (
                    above is not None
                    and os.path.isdir(path)
                    and not os.path.islink(path)
                    and not _hidden(above, name, directory, is_dir=True)
                    and not self._pruned(path, os.stat(path))
                ):
                    rules = _with_rules(above, path, directory)
            self.rules_cache[directory] = rules
        return self.rules_cache[directory]

    def single_file(self, path: Path) -> SourceFile | Skipped:
        return self._file(path.name, os.stat(path), via_link=False)

    def _scan(self, directory: _Dir) -> Iterator[_Item]:
        try:
            with os.scandir(directory.path) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            yield self._skip(directory.rel or ".", "unreadable", exc.strerror or str(exc))
            return
        rules = _with_rules(directory.rules, directory.path, directory.rel)
        for entry in entries:
            rel = f"{directory.rel}/{entry.name}" if directory.rel else entry.name
            item = self._entry(entry, rel, rules, directory.via_link)
            if item is not None:
                yield item

    def _entry(
        self, entry: os.DirEntry[str], rel: str, rules: _Rules, via_link: bool
    ) -> _Item | None:
        is_dir = False
        with contextlib.suppress(OSError):  # a cyclic link raises here; _follow reports it
            is_dir = entry.is_dir()
        try:
            if _hidden(rules, entry.name, rel, is_dir):
                return None
            if _printable(entry.name) != entry.name:
                return self._skip(_printable(rel), "unreadable", "file name is not valid UTF-8")
            if entry.is_symlink():
                self.links.append((entry.path, rel, rules))
                return None
            info = entry.stat()
        except OSError as exc:
            return self._skip(rel, "unreadable", exc.strerror or str(exc))
        if is_dir:
            return self._enter(entry.path, rel, info, rules, via_link)
        return self._file(rel, info, via_link)

    def _drain_links(self) -> Iterator[_Item]:
        while self.links:
            item = self._follow(*self.links.popleft())
            if item is not None:
                yield item

    def _follow(self, link: str, rel: str, rules: _Rules) -> _Item | None:
        try:
            target = Path(link).resolve(strict=True)
            info = os.stat(target)
        except FileNotFoundError as exc:
            return self._skip(rel, "unreadable", f"dangling link -> {exc.filename}")
        except (OSError, RuntimeError) as exc:  # a link cycle: RuntimeError in 3.11, ELOOP later
            looped = not isinstance(exc, OSError) or exc.errno == errno.ELOOP
            return self._skip(rel, "symlink-loop" if looped else "unreadable", str(exc))
        if not target.is_relative_to(self.root):
            return self._skip(rel, "symlink-outside-root", f"-> {target}")
        is_dir = stat.S_ISDIR(info.st_mode)
        if self._target_hidden(target, is_dir):
            return None  # links alias content; they never expose what the tree hides
        if self.partial:
            # A link inside the root aliases a real path that the full walk visits first.
            seen = "directory" if is_dir else "file"
            return self._skip(rel, "symlink-loop", f"{seen} already visited")
        if is_dir:
            return self._enter(link, rel, info, rules, via_link=True)
        return self._file(rel, info, via_link=True)

    def _target_hidden(self, target: Path, is_dir: bool) -> bool:
        """Whether the walk would have hidden ``target`` (inside the root) at its real path."""
        parts = target.relative_to(self.root).parts
        current, rules = str(self.root), self.root_rules
        for depth, name in enumerate(parts, start=1):
            current, rel = os.path.join(current, name), "/".join(parts[:depth])
            is_parent = depth < len(parts)
            if _hidden(rules, name, rel, is_parent or is_dir):
                return True
            # The target itself, when a directory, is vetted by _enter like any other.
            if is_parent:
                if self._pruned(current, os.stat(current)):
                    return True
                rules = _with_rules(rules, current, rel)
        return False

    def _pruned(self, path: str, info: os.stat_result) -> bool:
        return _inode(info) in self.excluded or os.path.isfile(os.path.join(path, VENV_MARKER))

    def _enter(
        self, path: str, rel: str, info: os.stat_result, rules: _Rules, via_link: bool
    ) -> _Item | None:
        if self._pruned(path, info):
            return None
        if _inode(info) in self.dirs_seen:
            return self._skip(rel, "symlink-loop", "directory already visited")
        self.dirs_seen.add(_inode(info))
        return _Dir(path, rel, via_link, rules)

    def _file(self, rel: str, info: os.stat_result, via_link: bool) -> _Item:
        if not stat.S_ISREG(info.st_mode):
            return self._skip(rel, "unreadable", "not a regular file")
        # Only paths through links count as repeats: hard links are separate files to git too.
        if via_link and _inode(info) in self.files_seen:
            return self._skip(rel, "symlink-loop", "file already visited")
        self.files_seen.add(_inode(info))
        by_name = _name_reason(rel.rpartition("/")[2])
        if by_name is not None:
            return self._skip(rel, *by_name)
        if not self.secrets and secret_file(rel):
            return self._skip(rel, "likely-secret", "by name (include_secret_files indexes it)")
        cap = documents.size_cap(rel, self.max_file_bytes)
        if info.st_size > cap:
            detail = f"{_human_size(info.st_size)} > {_human_size(cap)} cap"
            return self._skip(rel, "too-large", detail)
        return SourceFile(self.root, rel, info.st_size, info.st_mtime_ns)

    def _skip(self, rel: str, reason: str, detail: str) -> Skipped:
        return Skipped(self.root, rel, reason, detail)


def discover(
    root: Path,
    *,
    max_file_bytes: int = 1 << 20,
    exclude: Sequence[Path] = (),
    include_secret_files: bool = False,
) -> Iterator[SourceFile | Skipped]:
    """The files under ``root`` (a directory, or one file), depth-first in sorted name order,
    real paths before paths through symlinks; likely-secret files are skipped unless
    ``include_secret_files``. Raises FileNotFoundError when ``root`` is neither."""
    resolved = Path(root).resolve()
    if resolved.is_file():
        walker = _Walker(resolved.parent, max_file_bytes, exclude, include_secret_files)
        yield walker.single_file(resolved)
    elif resolved.is_dir():
        yield from _Walker(resolved, max_file_bytes, exclude, include_secret_files).walk()
    else:
        raise FileNotFoundError(f"not a file or directory: {root}")


def outermost(paths: Iterable[str]) -> list[str]:
    """``paths`` (relative POSIX) in sorted order without those at or under another one ("" is
    the whole root)."""
    kept: set[str] = set()
    for path in sorted(set(paths)):  # an ancestor sorts before what lies under it
        if not covered_by(path, kept):
            kept.add(path)
    return sorted(kept)


def covered_by(path: str, scope: Collection[str]) -> bool:
    """Whether ``path`` is one of ``scope`` or lies under one of them ("" covers everything)."""
    if "" in scope or path in scope:
        return True
    slash = path.find("/")
    while slash != -1:
        if path[:slash] in scope:
            return True
        slash = path.find("/", slash + 1)
    return False


def discover_paths(
    root: Path,
    paths: Iterable[str],
    *,
    max_file_bytes: int = 1 << 20,
    exclude: Sequence[Path] = (),
    include_secret_files: bool = False,
) -> Iterator[SourceFile | Skipped]:
    """What ``discover(root)`` would yield at or under ``paths`` (POSIX paths relative to
    ``root``, which need not exist any more), checked against the same ignore rules and guards
    without walking the rest of the tree: a change set refreshes only what it names."""
    resolved = Path(root).resolve()
    walker = _Walker(resolved, max_file_bytes, exclude, include_secret_files)
    yield from walker.walk_paths(paths)


def load(source: SourceFile, *, max_file_bytes: int = 1 << 20) -> LoadedFile | Skipped:
    """Read ``source`` once and apply the content checks; never raises for a bad file."""
    max_file_bytes = documents.size_cap(source.path, max_file_bytes)
    try:
        # The tree may have changed since discovery: a path swapped for a link must not escape.
        if not source.abs_path.resolve(strict=True).is_relative_to(source.root):
            return _skipped(source, "symlink-outside-root", "changed since discovery")
        with source.abs_path.open("rb") as handle:
            data = read_unchanged(handle, max_file_bytes + 1)  # one byte over: it grew
    except (OSError, RuntimeError) as exc:
        return _skipped(source, "unreadable", getattr(exc, "strerror", None) or str(exc))
    if data is None:
        return _skipped(source, "unreadable", f"changed while read, {READ_ATTEMPTS} times")
    if len(data) > max_file_bytes:
        return _skipped(source, "too-large", f"over the {_human_size(max_file_bytes)} cap")
    if document := documents.document_format(source.path):  # PDF, DOCX, PPTX, notebook
        try:
            extraction = documents.read_document(document, data)
        except documents.Refused as refused:
            return _skipped(source, refused.reason, refused.detail)
        return LoadedFile(source, extraction.text, document, document, bytes_hash(data), extraction)
    if looks_binary(data):
        return _skipped(source, "binary", "NUL byte near the start")
    text, encoding = decode(data)
    language = detect_language(source.path, text.partition("\n")[0])
    verdict = content_reason(text, language)
    if verdict is not None:
        return _skipped(source, *verdict)
    return LoadedFile(source, text, encoding, language, bytes_hash(data))


def _skipped(source: SourceFile, reason: str, detail: str) -> Skipped:
    return Skipped(source.root, source.path, reason, detail)
