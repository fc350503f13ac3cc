"""Which language a file is written in, from its name or its shebang line."""

from __future__ import annotations

from pathlib import PurePosixPath

#: File extension (lower case, with the dot) -> language name used across the project.
EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".rake": "ruby",
    ".php": "php",
    ".sh": "bash",
    ".bash": "bash",
    ".zsh": "bash",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".rst": "rst",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".text": "text",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".xml": "xml",
    ".css": "css",
    ".scss": "css",
    ".sql": "sql",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".swift": "swift",
    ".scala": "scala",
    ".sc": "scala",
    ".lua": "lua",
    ".luau": "luau",
    ".hs": "haskell",
    ".lhs": "haskell",
    ".ex": "elixir",
    ".exs": "elixir",
    ".zig": "zig",
    ".jl": "julia",
    ".ml": "ocaml",
    ".mli": "ocaml_interface",
    ".pl": "perl",
    ".pm": "perl",
    ".t": "perl",
    ".m": "objc",
    ".tf": "hcl",
    ".tfvars": "hcl",
    ".hcl": "hcl",
    ".bicep": "bicep",
    ".fs": "fsharp",
    ".fsx": "fsharp",
    ".cu": "cuda",
    ".cuh": "cuda",
    ".hlsl": "hlsl",
    ".hlsli": "hlsl",
    ".ino": "arduino",
    ".glsl": "glsl",
    ".vert": "glsl",
    ".frag": "glsl",
    ".comp": "glsl",
    ".geom": "glsl",
    ".sol": "solidity",
    ".ps1": "powershell",
    ".psm1": "powershell",
    ".bzl": "starlark",
    ".star": "starlark",
    ".bazel": "starlark",
    ".gd": "gdscript",
    ".f90": "fortran",
    ".f95": "fortran",
    ".f03": "fortran",
    ".f08": "fortran",
    ".mk": "make",
    ".cmake": "cmake",
    ".odin": "odin",
    ".v": "verilog",
    ".vh": "verilog",
    ".sv": "verilog",
    ".svh": "verilog",
    ".vhd": "vhdl",
    ".vhdl": "vhdl",
    ".lisp": "commonlisp",
    ".lsp": "commonlisp",
    ".asd": "commonlisp",
    ".adb": "ada",
    ".ads": "ada",
    ".pas": "pascal",
    ".dpr": "pascal",
    ".lpr": "pascal",
    ".r": "r",
}

#: Whole file names that say their language.
FILENAMES: dict[str, str] = {
    "Makefile": "make",
    "makefile": "make",
    "GNUmakefile": "make",
    "CMakeLists.txt": "cmake",
    "Dockerfile": "dockerfile",
    "Gemfile": "ruby",
    "Rakefile": "ruby",
    "BUILD": "starlark",
    "WORKSPACE": "starlark",
    "Tiltfile": "starlark",
    "README": "text",
    "LICENSE": "text",
    "CHANGELOG": "text",
}

#: Interpreter named on a shebang line -> language.
INTERPRETERS: dict[str, str] = {
    "python": "python",
    "python3": "python",
    "node": "javascript",
    "sh": "bash",
    "bash": "bash",
    "zsh": "bash",
    "ruby": "ruby",
    "php": "php",
    "perl": "perl",
    "lua": "lua",
    "elixir": "elixir",
    "julia": "julia",
    "pwsh": "powershell",
}

#: The languages of documents' extracted parts (notebook cells take their kernel's language).
DOCUMENT_LANGUAGES: frozenset[str] = frozenset({"pdf", "docx", "pptx"})

#: Every language a file or a document's part can be given (``text`` for the rest): what a
#: language filter may name.
KNOWN_LANGUAGES: frozenset[str] = frozenset(
    {*EXTENSIONS.values(), *FILENAMES.values(), *INTERPRETERS.values(), *DOCUMENT_LANGUAGES}
    | {"text"}
)


def detect_language(path: str, first_line: str = "") -> str:
    """Language of ``path``; ``first_line`` resolves extension-less scripts. Unknown: ``text``."""
    name = PurePosixPath(path).name
    if name in FILENAMES:
        return FILENAMES[name]
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if first_line.startswith("#!"):
        words = first_line[2:].split()
        if words:
            interpreter = words[1] if words[0].endswith("/env") and len(words) > 1 else words[0]
            interpreter = interpreter.rsplit("/", 1)[-1]
            return INTERPRETERS.get(interpreter, "text")
    return "text"
