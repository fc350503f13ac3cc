"""What discovery leaves out, as data: always-skipped directories, name and content rules."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from indexers.documents.parts import DOCUMENT_SKIP_REASONS

#: Skip reason -> what it means.
SKIP_REASONS: dict[str, str] = {
    "symlink-outside-root": "a symbolic link pointing outside the indexed root",
    "symlink-loop": "a second path to a file or directory that was already visited",
    "too-large": "larger than the per-file size cap",
    "binary": "binary content (by extension, a NUL byte or control characters)",
    "minified": "minified code or a source map",
    "lockfile": "a package manager lockfile",
    "generated": "generated code (by name or a marker near the top)",
    "empty": "empty or whitespace only",
    "likely-secret": "a file that usually holds secrets (.env, private keys, credentials)",
    "unreadable": "could not be listed, read or named (permissions, dangling link, special file)",
    **DOCUMENT_SKIP_REASONS,
}

#: The reasons a file is skipped for what it holds (found once it is read), which a run names.
CONTENT_REASONS: frozenset[str] = frozenset({"binary", "minified", "generated", "empty"})

#: Directory names never entered (matched on any entry, so a submodule's ``.git`` file goes too).
ALWAYS_SKIPPED: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".venv",
        "venv",
    }
)

#: A directory holding this file is a virtualenv, whatever its name.
VENV_MARKER = "pyvenv.cfg"

#: Per-directory ignore files, in rising precedence; the root also reads ``.git/info/exclude``
#: (lowest of all). Deeper directories override shallower ones.
IGNORE_FILES: tuple[str, ...] = (".gitignore", ".ignore")
ROOT_IGNORE_FILES: tuple[str, ...] = (".git/info/exclude",)

#: Skip reason -> globs on the lower-cased file name, checked before reading.
NAME_RULES: dict[str, tuple[str, ...]] = {
    "lockfile": (
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "bun.lock",
        "deno.lock",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "cargo.lock",
        "gemfile.lock",
        "composer.lock",
        "go.sum",
        "mix.lock",
        "flake.lock",
        "podfile.lock",
        "pubspec.lock",
        "packages.lock.json",
        "gradle.lockfile",
    ),
    "minified": ("*.min.js", "*.min.mjs", "*.min.css", "*.map"),
    "generated": (
        "*_pb2.py",
        "*_pb2.pyi",
        "*_pb2_grpc.py",
        "*.pb.go",
        "*.pb.cc",
        "*.pb.h",
        "*.generated.*",
        "*.g.dart",
        "*.freezed.dart",
        "*.g.cs",
        "*.designer.cs",
    ),
}

#: Extensions (lower case) of binary formats, skipped without opening: images, archives,
#: fonts, media, compiled code, legacy office documents, databases, arrays and model weights
#: (PDF, DOCX, PPTX and notebooks go to ``indexers.documents``).
BINARY_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".icns",
        ".webp",
        ".tif",
        ".tiff",
        ".psd",
        ".heic",
        ".avif",
        ".zip",
        ".tar",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".zst",
        ".7z",
        ".rar",
        ".jar",
        ".war",
        ".whl",
        ".egg",
        ".deb",
        ".rpm",
        ".dmg",
        ".iso",
        ".apk",
        ".ttf",
        ".otf",
        ".woff",
        ".woff2",
        ".eot",
        ".mp3",
        ".mp4",
        ".m4a",
        ".wav",
        ".ogg",
        ".flac",
        ".avi",
        ".mov",
        ".mkv",
        ".webm",
        ".pyc",
        ".pyo",
        ".pyd",
        ".so",
        ".dylib",
        ".dll",
        ".exe",
        ".o",
        ".a",
        ".lib",
        ".obj",
        ".class",
        ".wasm",
        ".bin",
        ".doc",
        ".xls",
        ".xlsx",
        ".ppt",
        ".odt",
        ".sqlite",
        ".sqlite3",
        ".db",
        ".npy",
        ".npz",
        ".pkl",
        ".pickle",
        ".parquet",
        ".h5",
        ".hdf5",
        ".pt",
        ".pth",
        ".onnx",
        ".safetensors",
        ".ckpt",
        ".faiss",
    }
)

#: Content checks in ``load``: a file longer than MINIFIED_MIN_CHARS has the shape of a minified
#: one when its average line is over MINIFIED_AVG_LINE, or one of the first MINIFIED_HEAD_LINES
#: lines is over MINIFIED_LONG_LINE while the file has at most MINIFIED_FEW_NEWLINES newlines.
#: Shape alone is not enough (prose is often written one paragraph per line): the long lines
#: (their first MINIFIED_SAMPLE_CHARS characters) must also not read as prose.
MINIFIED_MIN_CHARS = 1024
MINIFIED_AVG_LINE = 300
MINIFIED_LONG_LINE = 5000
MINIFIED_HEAD_LINES = 5
MINIFIED_FEW_NEWLINES = 50
MINIFIED_SAMPLE_CHARS = 8192

#: Languages whose files are prose (or markup around prose); every other language is code.
PROSE_LANGUAGES: frozenset[str] = frozenset({"markdown", "rst", "text", "html", "xml"})


@dataclass(frozen=True)
class ProseRule:
    """When long lines read as prose: at least ``min_word_share`` of their whitespace-separated
    tokens are words (letters or numbers, with the punctuation of sentences around them),
    tokens average at most ``max_token_chars`` characters, and at most ``max_code_share`` of
    their characters are code punctuation (``{}[]=;<>|&$\\``). Minified code has few spaces,
    long tokens and much punctuation; text in scripts written without spaces (Chinese,
    Japanese, Thai) counts as prose when over ``min_script_share`` of it is letters beyond
    Latin."""

    min_word_share: float
    max_token_chars: float
    max_code_share: float
    min_script_share: float = 0.5


#: Kind of file ("prose" or "code") -> its rule: prose files get the benefit of the doubt.
PROSE_RULES: dict[str, ProseRule] = {
    "prose": ProseRule(min_word_share=0.5, max_token_chars=14, max_code_share=0.05),
    "code": ProseRule(min_word_share=0.7, max_token_chars=12, max_code_share=0.02),
}

#: Text whose first CONTROL_SAMPLE_CHARS characters hold at least CONTROL_MIN_COUNT control
#: characters, and more than CONTROL_MAX_SHARE of them, is binary: random bytes without a NUL
#: decode (as Latin-1) with about 12%; a few stray bytes in a short text file do not count.
CONTROL_SAMPLE_CHARS = 8192
CONTROL_MAX_SHARE = 0.05
CONTROL_MIN_COUNT = 8

#: Lower-case markers that flag a generated file when found in its first GENERATED_HEAD_LINES.
GENERATED_MARKERS: tuple[str, ...] = (
    "@generated",
    "do not edit",
    "code generated by",
    "auto-generated",
    "auto generated",
    "autogenerated",
    "automatically generated",
)
GENERATED_HEAD_LINES = 5

#: Reads of a file that changes while it is read (size or mtime differ after the read) before
#: it is skipped as unreadable this run.
READ_ATTEMPTS = 3

_NAME_PATTERNS: dict[str, re.Pattern[str]] = {
    reason: re.compile("|".join(fnmatch.translate(glob) for glob in globs))
    for reason, globs in NAME_RULES.items()
}
