#!/usr/bin/env python
"""Indexing benchmark: full index, no-change re-run, one-function edit.

Builds a corpus of real code and prose from packages installed on this machine (deterministic:
a fixed list of sources, files in sorted order, stop once the total reaches ``--corpus-mb``),
then times three runs of ``retriever index CORPUS --index ... --model MODEL --json``, each in its
own process, taking wall time and the peak RSS of exactly that process (``os.wait4``):

  a. full index into an empty index directory;
  b. the same command again, nothing changed (target: <= 2% of (a), 0 chunks encoded);
  c. one comment line added inside one function of one Python file (only its changed chunks
     should be encoded).

Then (unless ``--no-split``) it times discovery + reading, chunking (with the model's token
counter) and encoding of a sample in-process, to show where the full run's time goes.

Results: ``benchmarks/results/index.json`` and a Markdown table on stdout.
Standard library only, plus the project itself. Run from anywhere:

    HF_HUB_OFFLINE=1 python benchmarks/index_benchmark.py [--corpus-mb 5.5] [--model minilm]
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"  # git-ignored
CORPUS = WORK / "corpus"
INDEX = WORK / "index"
MANIFEST = WORK / "corpus.json"
EDIT_BACKUP = WORK / "edit-target.orig"
RESULTS = HERE / "results" / "index.json"

#: Only these file types are copied into the corpus (code and prose; no data files).
COPY_EXTENSIONS = frozenset(
    {
        ".py",
        ".pyi",
        ".md",
        ".rst",
        ".txt",
        ".h",
        ".hpp",
        ".c",
        ".cc",
        ".cpp",
        ".js",
        ".ts",
    }
)
SKIP_DIRS = frozenset({"__pycache__", "tests", "test"})

#: The file the "one edited file" run edits (corpus-relative); falls back to the first Python
#: file with a suitable function when absent.
EDIT_TARGET = "httpx/_utils.py"
EDIT_LINE = "# edited by benchmark"

KIB = 1024
MB = 1_000_000


# -- corpus ------------------------------------------------------------------------------------
def package_dir(name: str, *sub: str) -> Callable[[], Path | None]:
    def locate() -> Path | None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        locations = list(spec.submodule_search_locations or []) if spec else []
        if not locations:
            return None
        path = Path(locations[0]).joinpath(*sub)
        return path if path.is_dir() else None

    return locate


def npm_docs() -> Path | None:
    """npm's own Markdown manual, when npm is installed (real prose, outside site-packages)."""
    npm = shutil.which("npm")
    if not npm:
        return None
    docs = Path(npm).resolve().parent.parent / "docs" / "content"
    return docs if docs.is_dir() else None


#: (corpus folder, kind, locator, byte cap or None). Taken in this order until the corpus is big
#: enough; a missing source is skipped. Prose comes first so it is always part of the mix.
SOURCES: list[tuple[str, str, Callable[[], Path | None], int | None]] = [
    ("awscli-topics", "prose", package_dir("awscli", "topics"), None),
    ("sklearn-dataset-descr", "prose", package_dir("sklearn", "datasets", "descr"), None),
    ("npm-docs", "prose", npm_docs, 500 * KIB),
    ("awscli-examples-ec2", "prose", package_dir("awscli", "examples", "ec2"), 500 * KIB),
    ("click", "code", package_dir("click"), None),
    ("httpx", "code", package_dir("httpx"), None),
    ("starlette", "code", package_dir("starlette"), None),
    ("rich", "code", package_dir("rich"), None),
    ("fastapi", "code", package_dir("fastapi"), None),
    ("typer", "code", package_dir("typer"), None),
    ("transformers-bert", "code", package_dir("transformers", "models", "bert"), None),
    ("transformers-modernbert", "code", package_dir("transformers", "models", "modernbert"), None),
    ("torch-c10-util", "code", package_dir("torch", "include", "c10", "util"), 300 * KIB),
    ("pydantic", "code", package_dir("pydantic"), None),
    ("sqlalchemy", "code", package_dir("sqlalchemy"), None),
    ("transformers-generation", "code", package_dir("transformers", "generation"), None),
]


def source_files(top: Path) -> list[Path]:
    found = []
    for directory, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            path = Path(directory) / name
            if path.suffix.lower() in COPY_EXTENSIONS and path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def build_corpus(target_bytes: int) -> dict[str, Any]:
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir(parents=True)
    total, sources, originals = 0, [], {}
    for label, kind, locate, cap in SOURCES:
        if total >= target_bytes:
            break
        top = locate()
        if top is None:
            sources.append({"name": label, "kind": kind, "source": None, "files": 0, "bytes": 0})
            continue
        files = taken = 0
        for path in source_files(top):
            if total >= target_bytes or (cap is not None and taken >= cap):
                break
            size = path.stat().st_size
            if size == 0:
                continue
            relative = f"{label}/{path.relative_to(top).as_posix()}"
            destination = CORPUS / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            originals[relative] = str(path)
            files, taken, total = files + 1, taken + size, total + size
        sources.append(
            {"name": label, "kind": kind, "source": str(top), "files": files, "bytes": taken}
        )
    manifest = {
        "target_bytes": target_bytes,
        "files": len(originals),
        "bytes": total,
        "sources": sources,
        "originals": originals,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


# -- the edit ----------------------------------------------------------------------------------
def plan_edit(text: str) -> tuple[int, str, str] | None:
    """(0-based line to insert before, the indented line, function name) for the first function
    with two statements or more: the comment goes just before its last statement, so it is
    inside the function's body whatever the parser does with trailing comments."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    functions = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
        key=lambda n: n.lineno,
    )
    for function in functions:
        body = function.body
        if len(body) >= 2 and body[-1].lineno > (body[-2].end_lineno or body[-2].lineno):
            last = body[-1]
            return last.lineno - 1, " " * last.col_offset + EDIT_LINE, function.name
    return None


def apply_edit(manifest: dict[str, Any]) -> dict[str, Any]:
    candidates = [EDIT_TARGET] + sorted(p for p in manifest["originals"] if p.endswith(".py"))
    for relative in candidates:
        path = CORPUS / relative
        if not path.is_file():
            continue
        original = path.read_text(encoding="utf-8")
        plan = plan_edit(original)
        if plan is None:
            continue
        line, added, function = plan
        lines = original.splitlines(keepends=True)
        edited = "".join(lines[:line] + [added + "\n"] + lines[line:])
        node = next(
            n
            for n in ast.walk(ast.parse(edited))
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function
        )
        assert node.lineno <= line + 1 <= node.end_lineno, "edit landed outside the function"
        EDIT_BACKUP.write_text(json.dumps({"path": relative, "text": original}))
        path.write_text(edited, encoding="utf-8")
        return {
            "path": relative,
            "function": function,
            "line": line + 1,
            "added": added,
            "original": original,
            "edited": edited,
        }
    raise SystemExit("no Python file in the corpus has a function to edit")


def restore_edit() -> None:
    if EDIT_BACKUP.exists():
        saved = json.loads(EDIT_BACKUP.read_text())
        (CORPUS / saved["path"]).write_text(saved["text"], encoding="utf-8")
        EDIT_BACKUP.unlink()


# -- measured runs -----------------------------------------------------------------------------
def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRIEVER_")}
    env["HF_HUB_OFFLINE"] = "1"
    return env


def retriever_command() -> list[str]:
    exe = shutil.which("retriever")
    return [exe] if exe else [sys.executable, "-c", "from retriever.cli import main; main()"]


def measured(args: list[str]) -> dict[str, Any]:
    """Run ``retriever ARGS`` in a child; its JSON output, wall time, peak RSS and CPU time."""
    log = WORK / "stderr.log"
    load_before = os.getloadavg()[0]
    with log.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            retriever_command() + args,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=WORK,
            env=child_env(),
        )
        output = process.stdout.read()
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)  # the rusage of exactly this child
        wall = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(log.read_text())
        raise SystemExit(f"`retriever {' '.join(args)}` exited with {code} (stderr above)")
    return {
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # ru_maxrss is KiB on Linux
        # Other work on the machine slows the run: the 1-minute load average around it.
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "report": json.loads(output),
    }


def index_run(model: str) -> dict[str, Any]:
    return measured(["index", str(CORPUS), "--index", str(INDEX), "--model", model, "--json"])


def index_status() -> dict[str, Any]:
    result = subprocess.run(
        retriever_command() + ["status", "--index", str(INDEX), "--json"],
        capture_output=True,
        text=True,
        cwd=WORK,
        env=child_env(),
        check=True,
    )
    return json.loads(result.stdout)


# -- where the time goes (in-process) ----------------------------------------------------------
def split_timings(model: str, chunk_tokens: int, edit: dict[str, Any]) -> dict[str, Any]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    from indexers.chunking import chunk_text
    from indexers.discovery import LoadedFile, SourceFile, discover, load
    from retriever.encoding.encoder import SentenceTransformerEncoder
    from retriever.encoding.models import resolve_model
    from retriever.settings import Settings

    defaults = Settings.model_fields
    started = time.perf_counter()
    encoder = SentenceTransformerEncoder(
        resolve_model(model),
        device=defaults["device"].default,
        batch_tokens=defaults["batch_tokens"].default,
    )
    model_load = time.perf_counter() - started

    counter = {"calls": 0, "seconds": 0.0}

    def count(text: str) -> int:
        t = time.perf_counter()
        n = encoder.count_tokens(text)
        counter["seconds"] += time.perf_counter() - t
        counter["calls"] += 1
        return n

    started = time.perf_counter()
    found = list(discover(CORPUS))
    discovered = time.perf_counter()
    loaded = [
        f
        for f in (load(s) for s in found if isinstance(s, SourceFile))
        if isinstance(f, LoadedFile)
    ]
    read = time.perf_counter()
    chunks = []
    for file in loaded:
        chunks += chunk_text(file.text, file.source.path, file.language, chunk_tokens, count)
    chunked = time.perf_counter()

    unique = {c.content_hash: c for c in chunks}
    sample = list(unique.values())[::20]  # every 20th distinct chunk, in corpus order
    started_encode = time.perf_counter()
    encoder.encode_documents([c.text for c in sample], [c.token_count for c in sample])
    encode_seconds = time.perf_counter() - started_encode
    sample_tokens = sum(c.token_count for c in sample)

    # Which chunks of the edited file are new: what run (c) should encode.
    counter_of_model = encoder.count_tokens
    before = chunk_text(edit["original"], edit["path"], "python", chunk_tokens, counter_of_model)
    after = chunk_text(edit["edited"], edit["path"], "python", chunk_tokens, counter_of_model)
    known = {c.content_hash for c in before}
    return {
        "model_load_seconds": round(model_load, 3),
        "discovery_seconds": round(discovered - started, 3),
        "read_seconds": round(read - discovered, 3),
        "chunk_seconds": round(chunked - read, 3),
        "token_count_calls": counter["calls"],
        "token_count_seconds": round(counter["seconds"], 3),
        "files_loaded": len(loaded),
        "chunks": len(chunks),
        "distinct_chunks": len(unique),
        "tokens_in_distinct_chunks": sum(c.token_count for c in unique.values()),
        "encode_sample_chunks": len(sample),
        "encode_sample_tokens": sample_tokens,
        "encode_sample_seconds": round(encode_seconds, 3),
        "encode_tokens_per_second": round(sample_tokens / encode_seconds, 1),
        "edited_file_chunks": len(after),
        "edited_file_new_chunks": sum(c.content_hash not in known for c in after),
    }


# -- machine and versions ----------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = ""
    memory = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "platform": platform.platform(),
        "cpu": cpu or platform.processor(),
        "cores": usable,
        "ram_gib": memory,
        "gpu": None,
    }


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in (
        "retriever",
        "torch",
        "sentence-transformers",
        "transformers",
        "tokenizers",
        "faiss-cpu",
        "numpy",
    ):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def bytes_by_language(skipped: set[str]) -> dict[str, int]:
    from indexers.languages import detect_language

    totals: dict[str, int] = {}
    for path in sorted(CORPUS.rglob("*")):
        relative = path.relative_to(CORPUS).as_posix()
        if not path.is_file() or relative in skipped:
            continue
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
        language = detect_language(relative, first.rstrip("\n"))
        totals[language] = totals.get(language, 0) + path.stat().st_size
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


# -- output ------------------------------------------------------------------------------------
def table(results: dict[str, Any]) -> str:
    runs = results["runs"]
    full_seconds = runs["full"]["report"]["seconds"]
    full_wall = runs["full"]["wall_seconds"]
    rows = [
        "| run | wall s | in-process s | % of full (wall / in-process) | files indexed / "
        "unchanged | chunks encoded | tokens encoded | tokens/s | peak RSS MiB | CPU s "
        "| load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, title in (
        ("full", "a. full index"),
        ("no_change", "b. re-run, no change"),
        ("one_edit", "c. one function edited"),
    ):
        run = runs[name]
        report = run["report"]
        per_second = report["tokens_encoded"] / report["seconds"] if report["seconds"] else 0
        share = (
            "-"
            if name == "full"
            else f"{100 * run['wall_seconds'] / full_wall:.1f}% / "
            f"{100 * report['seconds'] / full_seconds:.2f}%"
        )
        rows.append(
            f"| {title} | {run['wall_seconds']:.1f} | {report['seconds']:.2f} | {share} | "
            f"{report['files_indexed']} / {report['files_unchanged']} | "
            f"{report['chunks_encoded']:,} | {report['tokens_encoded']:,} | "
            f"{per_second:,.0f} | {run['peak_rss_mib']:,.0f} | {run['cpu_seconds']:.1f} | "
            f"{run['load_average_before']:.1f} -> {run['load_average_after']:.1f} |"
        )
    corpus = results["corpus"]
    lines = [
        f"Corpus: {corpus['files']:,} files, {corpus['bytes'] / MB:.2f} MB copied; "
        f"{corpus['indexed_bytes'] / MB:.2f} MB in {corpus['documents']:,} indexed documents, "
        f"{corpus['chunks']:,} chunks; skipped: {corpus['skipped'] or 'none'}",
        "Indexed bytes by language: "
        + ", ".join(f"{lang} {n / MB:.2f} MB" for lang, n in corpus["bytes_by_language"].items()),
        f"Model: {results['model']} (chunk_tokens {results['chunk_tokens']}); machine: "
        f"{results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['ram_gib']} GiB",
        "",
        *rows,
    ]
    edit = results["edit"]
    lines.append("")
    lines.append(
        f"Edit: `{edit['added'].strip()}` at line {edit['line']} of {edit['path']}, inside "
        f"`{edit['function']}()`"
        + (
            f"; chunks of that file that changed: {edit['expected_new_chunks']} "
            f"(of {edit['file_chunks']})"
            if "expected_new_chunks" in edit
            else ""
        )
    )
    split = results.get("split")
    if split:
        full = runs["full"]["report"]
        encode_estimate = full["tokens_encoded"] / split["encode_tokens_per_second"]
        lines += [
            "",
            "Where the full run's time goes (in-process, measured separately):",
            "",
            "| step | seconds | share of full in-process time |",
            "|---|---:|---:|",
            f"| discovery (walk, ignore rules) | {split['discovery_seconds']:.1f} | "
            f"{100 * split['discovery_seconds'] / full_seconds:.1f}% |",
            f"| read + decode + hash | {split['read_seconds']:.1f} | "
            f"{100 * split['read_seconds'] / full_seconds:.1f}% |",
            f"| chunking (incl. {split['token_count_calls']:,} token counts: "
            f"{split['token_count_seconds']:.1f} s) | {split['chunk_seconds']:.1f} | "
            f"{100 * split['chunk_seconds'] / full_seconds:.1f}% |",
            f"| encoding (estimated from a {split['encode_sample_chunks']}-chunk sample at "
            f"{split['encode_tokens_per_second']:,.0f} tokens/s) | {encode_estimate:.1f} | "
            f"{100 * encode_estimate / full_seconds:.1f}% |",
            f"| model load (not in `seconds`, in wall time) | {split['model_load_seconds']:.1f} "
            "| - |",
        ]
    return "\n".join(lines)


# -- main --------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-mb", type=float, default=5.5, help="corpus size (MB, 10^6 B)")
    parser.add_argument("--model", default="minilm", help="model passed to `retriever index`")
    parser.add_argument("--keep", action="store_true", help="reuse an existing corpus")
    parser.add_argument("--no-split", action="store_true", help="skip the in-process timings")
    options = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    WORK.mkdir(parents=True, exist_ok=True)

    restore_edit()
    if options.keep and MANIFEST.exists() and CORPUS.is_dir():
        manifest = json.loads(MANIFEST.read_text())
        print(f"reusing corpus {CORPUS}", flush=True)
    else:
        manifest = build_corpus(int(options.corpus_mb * MB))
    print(
        f"corpus: {manifest['files']:,} files, {manifest['bytes'] / MB:.2f} MB in {CORPUS}",
        flush=True,
    )
    for source in manifest["sources"]:
        print(
            f"  {source['name']:<26} {source['kind']:<6} {source['files']:>5} files "
            f"{source['bytes'] / MB:6.2f} MB",
            flush=True,
        )

    if INDEX.exists():
        shutil.rmtree(INDEX)
    runs: dict[str, Any] = {}
    print("a. full index ...", flush=True)
    runs["full"] = index_run(options.model)
    print(f"   {runs['full']['wall_seconds']:.1f} s wall", flush=True)
    status = index_status()
    print("b. re-run, no change ...", flush=True)
    runs["no_change"] = index_run(options.model)
    edit = apply_edit(manifest)
    print(f"c. edited {edit['path']} ({edit['function']}, line {edit['line']}) ...", flush=True)
    runs["one_edit"] = index_run(options.model)
    # Leave the corpus as it was built, so --keep starts from the same text.
    restore_edit()

    skipped_paths = {item["path"] for item in status["skipped_files"]}
    by_language = bytes_by_language(skipped_paths)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "model": status["model"].get("model", options.model),
        "chunk_tokens": status["settings"]["chunk_tokens"],
        "corpus": {
            "path": str(CORPUS),
            "files": manifest["files"],
            "bytes": manifest["bytes"],
            "sources": manifest["sources"],
            "documents": status["documents"],
            "chunks": status["chunks"],
            "indexed_bytes": sum(by_language.values()),
            "documents_by_language": status["languages"],
            "bytes_by_language": by_language,
            "skipped": status["skipped"],
            "skipped_files": status["skipped_files"],
        },
        "runs": runs,
        "edit": {key: edit[key] for key in ("path", "function", "line", "added")},
    }
    full = runs["full"]["report"]
    results["summary"] = {
        "full_wall_seconds": runs["full"]["wall_seconds"],
        "full_seconds": full["seconds"],
        "full_tokens_per_second": round(full["tokens_encoded"] / full["seconds"], 1),
        "full_tokens_per_wall_second": round(
            full["tokens_encoded"] / runs["full"]["wall_seconds"], 1
        ),
        "full_peak_rss_mib": runs["full"]["peak_rss_mib"],
        "no_change_percent_of_full_wall": round(
            100 * runs["no_change"]["wall_seconds"] / runs["full"]["wall_seconds"], 2
        ),
        "no_change_percent_of_full_seconds": round(
            100 * runs["no_change"]["report"]["seconds"] / full["seconds"], 3
        ),
        "no_change_chunks_encoded": runs["no_change"]["report"]["chunks_encoded"],
        "one_edit_chunks_encoded": runs["one_edit"]["report"]["chunks_encoded"],
        "total_chunks": status["chunks"],
    }
    if not options.no_split:
        print("in-process split: discovery, chunking, encoding sample ...", flush=True)
        split = split_timings(options.model, results["chunk_tokens"], edit)
        results["split"] = split
        results["edit"]["file_chunks"] = split["edited_file_chunks"]
        results["edit"]["expected_new_chunks"] = split["edited_file_new_chunks"]

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(table(results))
    print()
    print(f"results: {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
