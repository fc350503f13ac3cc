"""File discovery and loading: ignore files, pruned directories, symlinks, skips and decoding."""

from __future__ import annotations

import codecs
import hashlib
import inspect
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from indexers.decoding import decode, looks_binary
from indexers.discovery import LoadedFile, Skipped, SourceFile, discover, discover_paths, load
from indexers.skip_rules import ALWAYS_SKIPPED, SKIP_REASONS

Tree = dict[str, str | bytes]


def build(root: Path, files: Tree) -> Path:
    """Write ``files`` (relative path -> content) under ``root``; returns ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def link(root: Path, rel: str, target: str | Path) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, root / rel)


def walk(
    root: Path, *, max_file_bytes: int = 1 << 20, exclude: Sequence[Path] = ()
) -> tuple[list[str], dict[str, str]]:
    """(yielded paths in order, {skipped path: reason}) of one discovery walk."""
    found: list[str] = []
    skipped: dict[str, str] = {}
    for item in discover(root, max_file_bytes=max_file_bytes, exclude=exclude):
        if isinstance(item, Skipped):
            assert item.reason in SKIP_REASONS
            skipped[item.path] = item.reason
        else:
            assert item.root == root.resolve()
            found.append(item.path)
    return found, skipped


def reason(result: LoadedFile | Skipped | SourceFile) -> str | None:
    return result.reason if isinstance(result, Skipped) else None


def load_bytes(root: Path, name: str, data: bytes) -> LoadedFile | Skipped:
    (root / name).write_bytes(data)
    return load(SourceFile(root.resolve(), name, len(data), 0))


# --- ignore files and pruned directories ----------------------------------------------------


def test_nested_ignore_files(tmp_path: Path) -> None:
    build(
        tmp_path,
        {
            ".gitignore": "*.log\n!keep.log\nbuild/\n!build/rescued.py\n/secret.txt\n",
            ".ignore": "notes/\n!special.log\n",
            ".git/info/exclude": "private.md\n",
            "a.py": "",
            "debug.log": "",
            "keep.log": "",
            "special.log": "",
            "x.tmp": "",
            "build/out.py": "",
            "build/rescued.py": "",  # a parent that is ignored stays ignored
            "secret.txt": "",
            "private.md": "",
            "notes/n.md": "",
            "src/.gitignore": "!debug.log\n*.tmp\n",
            "src/build": "",  # a file: the directory-only ``build/`` does not match it
            "src/debug.log": "",
            "src/secret.txt": "",
            "src/x.tmp": "",
            "src/deep/.gitignore": "!*.tmp\n",
            "src/deep/y.tmp": "",
        },
    )
    found, skipped = walk(tmp_path)
    assert found == [
        ".gitignore",
        ".ignore",
        "a.py",
        "keep.log",
        "special.log",
        "src/.gitignore",
        "src/build",
        "src/debug.log",
        "src/deep/.gitignore",
        "src/deep/y.tmp",
        "src/secret.txt",
        "x.tmp",
    ]
    assert skipped == {}


@pytest.mark.parametrize("directory", sorted(ALWAYS_SKIPPED))
def test_always_skipped_directories(tmp_path: Path, directory: str) -> None:
    build(tmp_path, {f"{directory}/inner.py": "", f"src/{directory}/inner.py": "", "kept.py": ""})
    assert walk(tmp_path) == (["kept.py"], {})


def test_virtualenv_found_by_its_marker(tmp_path: Path) -> None:
    build(tmp_path, {"env/pyvenv.cfg": "home = /usr\n", "env/lib/site.py": "", "kept.py": ""})
    assert walk(tmp_path) == (["kept.py"], {})


def test_submodule_git_file_is_skipped(tmp_path: Path) -> None:
    build(tmp_path, {"sub/.git": "gitdir: ../.git/modules/sub\n", "sub/a.py": ""})
    assert walk(tmp_path) == (["sub/a.py"], {})


def test_exclude_compares_real_directories(tmp_path: Path) -> None:
    build(tmp_path, {".retriever/meta.json": "{}", "sub/a.py": ""})
    link(tmp_path, "sub/index", "../.retriever")
    spelled_oddly = tmp_path / "sub" / ".." / ".retriever"
    assert walk(tmp_path, exclude=[spelled_oddly, tmp_path / "missing"]) == (["sub/a.py"], {})


# --- symlinks -------------------------------------------------------------------------------


def test_links_out_of_the_root_are_refused(tmp_path: Path) -> None:
    outside = build(tmp_path / "outside", {"secret.txt": "s"})
    root = build(tmp_path / "root", {"a.py": ""})
    link(root, "leak.txt", outside / "secret.txt")
    link(root, "leakdir", outside)
    link(root, "sub/relative", "../../outside")
    assert walk(root) == (
        ["a.py"],
        {
            "leak.txt": "symlink-outside-root",
            "leakdir": "symlink-outside-root",
            "sub/relative": "symlink-outside-root",
        },
    )
    details = {item.detail for item in discover(root) if isinstance(item, Skipped)}
    assert f"-> {outside.resolve()}" in details


def test_link_loops_terminate(tmp_path: Path) -> None:
    build(tmp_path, {"sub/a.py": ""})
    link(tmp_path, "sub/up", "..")
    link(tmp_path, "self", "self")
    link(tmp_path, "ping", "pong")
    link(tmp_path, "pong", "ping")
    assert walk(tmp_path) == (
        ["sub/a.py"],
        {
            "sub/up": "symlink-loop",
            "self": "symlink-loop",
            "ping": "symlink-loop",
            "pong": "symlink-loop",
        },
    )


def test_file_reached_twice_is_indexed_once_at_its_real_path(tmp_path: Path) -> None:
    build(tmp_path, {"z.txt": "z", "docs/real.md": "d"})
    link(tmp_path, "a_link.txt", "z.txt")  # sorts before its target
    link(tmp_path, "docs/alias.txt", "../z.txt")
    link(tmp_path, "docs_link", "docs")
    assert walk(tmp_path) == (
        ["docs/real.md", "z.txt"],
        {
            "a_link.txt": "symlink-loop",
            "docs/alias.txt": "symlink-loop",
            "docs_link": "symlink-loop",
        },
    )


def test_links_do_not_expose_what_the_tree_hides(tmp_path: Path) -> None:
    build(
        tmp_path,
        {
            ".gitignore": "build/\n",
            "build/out.js": "",
            ".git/config": "",
            "env/pyvenv.cfg": "",
            "env/site.py": "",
        },
    )
    link(tmp_path, "latest", "build")
    link(tmp_path, "out.js", "build/out.js")
    link(tmp_path, "git", ".git")
    link(tmp_path, "site.py", "env/site.py")
    assert walk(tmp_path) == ([".gitignore"], {})


def test_dangling_link_is_unreadable(tmp_path: Path) -> None:
    link(tmp_path, "gone.py", "missing.py")
    (item,) = discover(tmp_path)
    assert isinstance(item, Skipped)
    assert (item.reason, item.path) == ("unreadable", "gone.py")
    assert item.detail.startswith("dangling link -> ")


# --- checks by name and size ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("package-lock.json", "lockfile"),
        ("yarn.lock", "lockfile"),
        ("Cargo.lock", "lockfile"),
        ("poetry.lock", "lockfile"),
        ("Pipfile.lock", "lockfile"),
        ("uv.lock", "lockfile"),
        ("go.sum", "lockfile"),
        ("bun.lockb", "lockfile"),
        ("app.min.js", "minified"),
        ("style.min.css", "minified"),
        ("app.js.map", "minified"),
        ("api_pb2.py", "generated"),
        ("api_pb2_grpc.py", "generated"),
        ("api.pb.go", "generated"),
        ("schema.generated.ts", "generated"),
        ("model.g.dart", "generated"),
        ("logo.PNG", "binary"),
        ("lib.so", "binary"),
        ("paper.doc", "binary"),
        ("data.sqlite", "binary"),
        ("mod.pyc", "binary"),
        ("font.woff2", "binary"),
    ],
)
def test_skipped_by_name(tmp_path: Path, name: str, why: str) -> None:
    build(tmp_path, {name: "x"})
    assert walk(tmp_path) == ([], {name: why})


def test_size_cap(tmp_path: Path) -> None:
    build(tmp_path, {"small.txt": "x" * 10, "exact.txt": "x" * 100, "big.txt": "x" * 101})
    found, skipped = walk(tmp_path, max_file_bytes=100)
    assert (found, skipped) == (["exact.txt", "small.txt"], {"big.txt": "too-large"})
    (big,) = [i for i in discover(tmp_path, max_file_bytes=100) if isinstance(i, Skipped)]
    assert big.detail == "101 B > 100 B cap"


def test_load_rechecks_the_cap_on_the_bytes_read(tmp_path: Path) -> None:
    build(tmp_path, {"grows.txt": "x" * 100})
    (source,) = discover(tmp_path, max_file_bytes=100)
    assert isinstance(source, SourceFile)
    (tmp_path / "grows.txt").write_text("x" * 101)
    assert reason(load(source, max_file_bytes=100)) == "too-large"


# --- checks by content ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (b"plain\n", "plain\n", "utf-8"),
        (codecs.BOM_UTF8 + "h\u00e9llo\n".encode(), "h\u00e9llo\n", "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "h\u00e9llo\n".encode("utf-16-le"), "h\u00e9llo\n", "utf-16-le"),
        (codecs.BOM_UTF16_BE + "h\u00e9llo\n".encode("utf-16-be"), "h\u00e9llo\n", "utf-16-be"),
        (codecs.BOM_UTF32_LE + "h\u00e9llo\n".encode("utf-32-le"), "h\u00e9llo\n", "utf-32-le"),
        ("caf\u00e9 \u00a35\n".encode("latin-1"), "caf\u00e9 \u00a35\n", "cp1252"),
        (b"\x81\x8d raw\n", "\x81\x8d raw\n", "latin-1"),  # bytes cp1252 leaves undefined
        (b"ok \xc3\xa9 then \xff bad\n", "ok \u00c3\u00a9 then \u00ff bad\n", "cp1252"),
        (b"a\r\nb\r\n", "a\r\nb\r\n", "utf-8"),  # CRLF kept so offsets stay true
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16le",
        "utf16be",
        "utf32le",
        "latin1",
        "undefined-cp1252",
        "invalid-utf8",
        "crlf",
    ],
)
def test_load_decodes(tmp_path: Path, data: bytes, text: str, encoding: str) -> None:
    loaded = load_bytes(tmp_path, "f.txt", data)
    assert isinstance(loaded, LoadedFile)
    assert (loaded.text, loaded.encoding) == (text, encoding)
    assert loaded.content_hash == hashlib.blake2b(data, digest_size=16).hexdigest()
    assert decode(data) == (text, encoding)


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("nul.txt", b"abc\x00def\n", "binary"),
        ("bom-nul.txt", codecs.BOM_UTF8 + b"a\x00b", "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\t\r\n", "empty"),
        ("blank16.txt", codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"), "empty"),
        ("app.js", b"var a=1;" * 200, "minified"),
        ("bundle.js", b"x" * 6000 + b"\n" + b"ok();\n" * 30, "minified"),
        ("a.py", b"# @generated by tool\nx = 1\n", "generated"),
        ("a.go", b"// Code generated by protoc-gen-go. DO NOT EDIT.\npackage a\n", "generated"),
        ("a.ts", b"/* Auto-Generated file */\nexport {};\n", "generated"),
        ("a.cs", b"// <autogenerated />\nclass A {}\n", "generated"),
        ("a.rb", b"\n\n\n\n# do not edit\n", "generated"),  # fifth line: still the head
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_load_skips_by_content(tmp_path: Path, name: str, data: bytes, why: str) -> None:
    assert reason(load_bytes(tmp_path, name, data)) == why


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("late.rb", b"\n\n\n\n\n# do not edit\n"),  # sixth line: past the head
        ("long.py", b"x = 1\n" * 500),
        ("short.js", b"var a=1;" * 120),  # one long line, but under 1 KiB
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_load_keeps_ordinary_files(tmp_path: Path, name: str, data: bytes) -> None:
    assert isinstance(load_bytes(tmp_path, name, data), LoadedFile)


def test_utf16_text_is_not_binary() -> None:
    data = codecs.BOM_UTF16_LE + "plain ascii".encode("utf-16-le")
    assert b"\x00" in data and not looks_binary(data)
    assert looks_binary(b"plain ascii".join([b"\x00"] * 2))


@pytest.mark.parametrize(
    ("name", "data", "language"),
    [
        ("tool", b"#!/usr/bin/env python3\nprint()\n", "python"),
        ("lib.rs", b"fn main() {}\n", "rust"),
        ("notes", b"just words\n", "text"),
    ],
)
def test_load_detects_language(tmp_path: Path, name: str, data: bytes, language: str) -> None:
    loaded = load_bytes(tmp_path, name, data)
    assert isinstance(loaded, LoadedFile) and loaded.language == language


def test_load_never_raises_for_a_vanished_or_swapped_file(tmp_path: Path) -> None:
    outside = build(tmp_path / "outside", {"secret.txt": "s"})
    root = build(tmp_path / "root", {"a.txt": "a"})
    (source,) = discover(root)
    assert isinstance(source, SourceFile)
    assert isinstance(load(source), LoadedFile)
    (root / "a.txt").unlink()
    assert reason(load(source)) == "unreadable"
    link(root, "a.txt", outside / "secret.txt")
    assert reason(load(source)) == "symlink-outside-root"


# --- roots, names, special files, order -----------------------------------------------------


def test_file_given_as_root(tmp_path: Path) -> None:
    build(tmp_path, {"a.py": "x = 1\n", "yarn.lock": "x"})
    (source,) = discover(tmp_path / "a.py")
    assert source == SourceFile(tmp_path.resolve(), "a.py", 6, source.mtime_ns)
    assert source.abs_path == (tmp_path / "a.py").resolve()
    (lock,) = discover(tmp_path / "yarn.lock")
    assert reason(lock) == "lockfile"


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(discover(tmp_path / "nowhere"))


def test_odd_file_names(tmp_path: Path) -> None:
    names = [
        "with space.py",
        "\u00fcn\u00efc\u00f6d\u00e9.md",
        "-dash.txt",
        "--double.txt",
        "\u65e5\u672c\u8a9e.txt",
        "semi;colon.txt",
        "new\nline.txt",
        "[brackets].txt",
    ]
    build(tmp_path, {name: "text\n" for name in names})
    found, skipped = walk(tmp_path)
    assert (sorted(found), skipped) == (sorted(names), {})
    for source in discover(tmp_path):
        assert isinstance(source, SourceFile) and isinstance(load(source), LoadedFile)


def test_undecodable_name_is_reported_printably(tmp_path: Path) -> None:
    os.close(os.open(os.fsencode(tmp_path) + b"/caf\xe9.txt", os.O_CREAT | os.O_WRONLY))
    assert walk(tmp_path) == ([], {"caf\ufffd.txt": "unreadable"})


def test_special_files_are_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    assert walk(tmp_path) == ([], {"pipe": "unreadable"})


def test_unlistable_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, {"locked/a.py": "", "b.py": ""})
    real_scandir = os.scandir

    def scandir(path: Path) -> object:  # chmod cannot lock out root, so fake the refusal
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert walk(tmp_path) == (["b.py"], {"locked": "unreadable"})


def test_order_is_sorted_depth_first_and_repeatable(tmp_path: Path) -> None:
    build(tmp_path, {"b.py": "", "a/z.py": "", "a.txt": "", "a/b/c.py": "", "C.md": ""})
    link(tmp_path, "0link", "outside-of-nothing")
    assert walk(tmp_path)[0] == ["C.md", "a/b/c.py", "a/z.py", "a.txt", "b.py"]
    assert list(discover(tmp_path)) == list(discover(tmp_path))


def test_deep_tree_needs_no_recursion(tmp_path: Path) -> None:
    depth = 300
    tmp_path.joinpath(*["d"] * depth).mkdir(parents=True)
    tmp_path.joinpath(*["d"] * depth, "bottom.py").write_text("x = 1\n")
    # Leave the walk far fewer frames than the tree is deep: only an iterative walk gets through.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 100)
    try:
        result = walk(tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    assert result == (["d/" * depth + "bottom.py"], {})


def test_discovering_some_paths_finds_what_the_full_walk_finds_there(tmp_path: Path) -> None:
    root = build(
        tmp_path / "root",
        {
            ".gitignore": "build/\n*.log\n",
            "src/a.py": "a = 1\n",
            "src/.ignore": "secret.py\n",
            "src/secret.py": "s = 1\n",
            "src/deep/b.py": "b = 1\n",
            "src/yarn.lock": "lock\n",
            "build/out.py": "o = 1\n",
            "debug.log": "log\n",
            "docs/guide.md": "# Guide\n",
            "env/pyvenv.cfg": "home = /usr\n",
            "env/lib.py": "v = 1\n",
            "node_modules/m.js": "m\n",
        },
    )
    link(root, "docs/alias.py", root / "src" / "a.py")
    link(root, "outside.py", tmp_path)
    full = {
        (type(item).__name__, item.path, getattr(item, "reason", None)) for item in discover(root)
    }
    asked = [
        "src",
        "src/deep/b.py",
        "src/secret.py",
        "build/out.py",
        "debug.log",
        "env/lib.py",
        "node_modules/m.js",
        "docs/alias.py",
        "outside.py",
        "gone.py",
        "gone/dir/x.py",
    ]
    partial = {
        (type(item).__name__, item.path, getattr(item, "reason", None))
        for item in discover_paths(root, asked)
    }
    under = {
        entry
        for entry in full
        if any(entry[1] == path or entry[1].startswith(path + "/") for path in asked)
    }
    assert partial == under
    assert {entry[1] for entry in partial} >= {"src/a.py", "src/deep/b.py", "src/yarn.lock"}
    everything = {
        (type(i).__name__, i.path, getattr(i, "reason", None)) for i in discover_paths(root, [""])
    }
    assert everything == full


_SENTENCES = (
    "The indexer walks every root in sorted order and honours the ignore files it finds.",
    "When a file changes while it is read, the reader tries again before it gives up.",
    "Chunks follow the structure of the text, so a heading keeps its paragraphs together!",
    "Is a paragraph written on one line still prose? Of course it is, whatever its length.",
    "Numbers such as 8,192 tokens or 3.5 seconds appear in prose (and in parentheses) too.",
)


def _paragraph(n: int) -> str:
    """One paragraph of about 800 characters, on one line."""
    words: list[str] = []
    i = n
    while len(" ".join(words)) < 800:
        words.append(_SENTENCES[i % len(_SENTENCES)])
        i += 1
    return " ".join(words)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("notes.md", "# Notes\n\n" + "\n\n".join(_paragraph(i) for i in range(12)) + "\n"),
        ("notes.txt", "\n".join(_paragraph(i) for i in range(12)) + "\n"),
        ("essay.rst", "Essay\n=====\n\n" + "\n\n".join(_paragraph(i) for i in range(8))),
        (
            "wiki.md",
            "\n".join("数据检索引擎把文档切分成片段，再编码为向量。" * 40 for _ in range(6)),
        ),
        ("story.html", "<p>" + "</p>\n<p>".join(_paragraph(i) for i in range(6)) + "</p>"),
        (
            "doc.py",
            '"""' + _paragraph(1) + '"""\n' * 3 + "\n".join(f"# {_paragraph(i)}" for i in range(5)),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else "",
)
def test_prose_with_long_lines_is_never_minified(tmp_path: Path, name: str, text: str) -> None:
    assert isinstance(load_bytes(tmp_path, name, text.encode()), LoadedFile)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("site.css", b"a{color:red;margin:0 auto}b>i{padding:0}" * 60),
        ("data.json", b'{"id":1,"tags":["a","b"],"ok":true},' * 120),
        ("app.mjs", b"function f(a,b){return a+b}" + b"var q=f(1,2),r=[q,q];" * 200),
        ("blob.txt", b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123456789+/" * 60),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_minified_code_of_any_kind_is_still_skipped(tmp_path: Path, name: str, data: bytes) -> None:
    assert reason(load_bytes(tmp_path, name, data)) == "minified"
