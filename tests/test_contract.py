"""One contract across CLI, Python, HTTP and MCP: every command, route and tool maps to a
`Retriever` method, and speaks its parameter names, defaults and limits. A difference is either
a bug or listed below with its reason."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import fields
from typing import Any

import pytest
import typer.main
from fastapi.routing import APIRoute

from api import routes, schemas
from api.mcp import create_mcp_server
from retriever import MAX_HITS, Filters, InvalidQueryError, Retriever
from retriever.cli import app

FILTERS = {field.name for field in fields(Filters)}

#: CLI command -> the Retriever method it calls (None: not a Retriever method, and why).
CLI = {
    "index": "index",
    "search": "search",
    "fill-mask": "fill_mask",
    "classify": "classify",
    "cloze": "cloze",
    "similarity": "similarity",
    "status": "status",
    "doctor": None,  # retriever.ops.doctor: works on a damaged index no Retriever could open
    "serve": None,  # the HTTP API over a Retriever
    "watch": None,  # Retriever.index on every change (retriever.ingest.watching)
    "mcp": None,  # the MCP server over a Retriever
    "migrate": None,  # retriever.ops.migration: copies an index, opens none
    "eval": None,  # retriever.ops.evaluation: many searches, measured
}
#: (HTTP method, path) -> the Retriever method it calls.
HTTP = {
    ("POST", "/v1/search"): "search",
    ("POST", "/v1/context"): "context",
    ("POST", "/v1/embeddings"): "embed",
    ("POST", "/v1/similarity"): "similarity",
    ("POST", "/v1/fill-mask"): "fill_mask",
    ("POST", "/v1/classify"): "classify",
    ("POST", "/v1/cloze"): "cloze",
    ("GET", "/v1/documents"): "documents",
    ("GET", "/v1/documents/{doc_id}"): "document",
    ("PUT", "/v1/documents"): "upsert_text",
    ("DELETE", "/v1/documents/{doc_id}"): "delete_document",
    ("POST", "/v1/index"): "index",
    ("GET", "/v1/index/status"): None,  # the server's background job, not the index
    ("GET", "/v1/status"): "status",
    ("GET", "/livez"): None,  # the process is alive
    ("GET", "/readyz"): None,  # the model is loaded
}
#: MCP tool -> the Retriever method it calls.
MCP = {
    "search": "search",
    "get_context": "context",
    "get_document": "document",
    "fill_mask": "fill_mask",
    "classify": "classify",
    "cloze": "cloze",
    "similarity": "similarity",
}

#: Parameters a surface has that no Retriever method has: where the index is, how output
#: is shown, and the OpenAI-compatible shape of /v1/embeddings.
SURFACE_ONLY = {
    "index_dir",
    "as_json",
    "full",
    "flag_stale",  # the CLI's `--flag-stale`: verify="flag"
    "mlm_model",
    "rerank_model",  # the CLI's `--rerank-model`: the setting, for one command
    "model",
    "input",
    "encoding_format",
    "dimensions",
    "user",
    "progress",
    "since",
    "classify_labels",
    "classify_template",
    "ray",
    "chunk_tokens",
    "max_file_bytes",
    "context_header",
    "late_chunking",
    "vector_compression",
    "precision",
    "batch_tokens",
    "device",
    "retriever",
    "body",
    "job",
}
#: Defaults that differ on purpose: (surface, method, parameter) -> the surface's default.
#: None today. (MCP has no `verify` parameter: its tools always verify, since an LLM acts on
#: what it reads; its `get_context` gives `token_budget` a default where Python requires one.)
DIFFERENT_DEFAULTS: dict[tuple[str, str, str], Any] = {}


def _method_params(method: str) -> dict[str, Any]:
    signature = inspect.signature(getattr(Retriever, method))
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if name != "self"
    }


def _cli_params() -> dict[str, dict[str, Any]]:
    group = typer.main.get_command(app)
    return {
        name: {param.name: param.default for param in command.params}
        for name, command in group.commands.items()
    }


def _http_routes() -> dict[tuple[str, str], APIRoute]:
    found = {}
    for router in (routes.read, routes.admin, routes.health):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in route.methods:
                found[(method, route.path)] = route
    return found


def _http_params(route: APIRoute) -> dict[str, Any]:
    params = {}
    for dependency in route.dependant.query_params + route.dependant.path_params:
        params[dependency.name] = dependency.field_info.default
    for body in route.dependant.body_params:
        model = body.field_info.annotation
        for name, field in model.model_fields.items():
            params[name] = field.default
    return params


def _mcp_tools() -> dict[str, dict[str, Any]]:
    server = create_mcp_server(None)  # type: ignore[arg-type]  # tools are only listed
    tools = asyncio.run(server.list_tools())
    return {
        tool.name: {
            name: schema.get("default", inspect.Parameter.empty)
            for name, schema in tool.input_schema["properties"].items()
        }
        for tool in tools
    }


def test_every_command_route_and_tool_is_mapped_to_the_engine() -> None:
    assert set(_cli_params()) == set(CLI)
    assert set(_http_routes()) == set(HTTP)
    assert set(_mcp_tools()) == set(MCP)
    for method in {*CLI.values(), *HTTP.values(), *MCP.values()} - {None}:
        assert callable(getattr(Retriever, method)), method


def _surfaces() -> list[tuple[str, str, str, dict[str, Any]]]:
    cli = _cli_params()
    http = _http_routes()
    mcp = _mcp_tools()
    found = [("cli", name, CLI[name], params) for name, params in cli.items() if CLI[name]]
    found += [
        ("http", f"{key[0]} {key[1]}", HTTP[key], _http_params(route))
        for key, route in http.items()
        if HTTP[key]
    ]
    found += [("mcp", name, MCP[name], params) for name, params in mcp.items()]
    return found


@pytest.mark.parametrize(
    ("surface", "name", "method", "params"), _surfaces(), ids=lambda v: str(v)[:40]
)
def test_parameter_names_and_defaults_match_the_engine(
    surface: str, name: str, method: str, params: dict[str, Any]
) -> None:
    engine = _method_params(method)
    # Filters are one model: a surface may take them flat (CLI, MCP) or as `filters` (HTTP).
    known = set(engine) | (FILTERS if "filters" in engine else set()) | SURFACE_ONLY
    assert set(params) - known == set(), f"{surface} {name}: names the engine does not use"
    for parameter, default in params.items():
        if parameter not in engine or engine[parameter] is inspect.Parameter.empty:
            continue
        if default is inspect.Parameter.empty or default is None and surface == "cli":
            continue  # required on this surface, or a CLI option left unset
        expected = DIFFERENT_DEFAULTS.get((surface, method, parameter), engine[parameter])
        assert default == expected, f"{surface} {name}: {parameter} defaults to {default!r}"


def test_filters_are_one_model_everywhere() -> None:
    assert set(schemas.Filters.model_fields) == FILTERS
    assert set(_cli_params()["search"]) >= FILTERS
    assert set(_mcp_tools()["search"]) >= FILTERS


def test_mcp_search_takes_every_mode_and_several_values_per_filter() -> None:
    server = create_mcp_server(None)  # type: ignore[arg-type]
    search = next(t for t in asyncio.run(server.list_tools()) if t.name == "search")
    properties = search.input_schema["properties"]
    assert "mode" in properties and "symbol" in properties
    for name in ("language", "kind", "label"):
        kinds = {option.get("type") for option in properties[name]["anyOf"]}
        assert {"string", "array"} <= kinds, name


def test_one_limit_on_hits() -> None:
    """k is at most MAX_HITS everywhere: Python and the CLI (the engine checks it), HTTP and
    MCP (their schemas say so)."""
    for request in (schemas.SearchRequest, schemas.ContextRequest):
        assert request.model_fields["k"].metadata[-1].le == MAX_HITS
    tools = asyncio.run(create_mcp_server(None).list_tools())  # type: ignore[arg-type]
    for tool in tools:
        if tool.name in ("search", "get_context"):
            assert f"1-{MAX_HITS}" in tool.input_schema["properties"]["k"]["description"]


def test_a_language_filter_takes_every_language_a_chunk_can_have() -> None:
    """Files by name or shebang, and documents' parts (PDF pages, Word, PowerPoint slides)."""
    languages = ["python", "text", "markdown", "make", "pdf", "docx", "pptx"]
    assert Filters.parse({"language": languages}).language == tuple(languages)
    with pytest.raises(InvalidQueryError, match="unknown language 'klingon'"):
        Filters.parse({"language": "klingon"})
