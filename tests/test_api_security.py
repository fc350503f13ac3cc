"""What a web page or a careless configuration must not get from the server: blank API keys
never open it, and a keyless (loopback) server answers neither rebinding names nor cross-site
requests, and takes writes as JSON only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from retriever import Retriever
from retriever.cli import app as cli
from retriever.errors import RetrieverError
from retriever.settings import Settings

LOCAL = "http://127.0.0.1"
DOCUMENT = {"path": "notes.md", "text": "# Notes\n\nA page wrote this.\n"}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory, tiny_modernbert: Path) -> Iterator:
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "guide.md").write_text("# Guide\n\nInstall it, then run it.\n")
    with Retriever.open(tmp_path_factory.mktemp("index") / "i", model=str(tiny_modernbert)) as r:
        r.index([corpus])
        yield r


def serve(retriever: Retriever, base_url: str = LOCAL, **settings) -> TestClient:
    app = create_app(retriever, retriever.settings.model_copy(update=settings))
    return TestClient(app, base_url=base_url)


@pytest.mark.parametrize(
    "keys",
    [{"api_read_keys": [""]}, {"api_admin_keys": [" "]}, {"api_read_keys": ["good", "\t"]}],
)
def test_a_blank_api_key_is_a_configuration_error(retriever, keys) -> None:
    with pytest.raises(ValueError, match="empty or only whitespace"):
        Settings(**keys)
    with pytest.raises(RetrieverError, match="empty or only whitespace"):
        serve(retriever, **keys)


def test_blank_keys_in_the_config_file_do_not_open_the_network(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "retriever.toml").write_text('api_read_keys = [""]\napi_admin_keys = [""]\n')
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--index", "idx"])
    assert result.exit_code == 2
    assert "invalid setting api_read_keys" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("variable", ["RETRIEVER_API_READ_KEYS", "RETRIEVER_API_ADMIN_KEYS"])
@pytest.mark.parametrize("value", [" ", "key-1,,key-2", "key-1, "])
def test_blank_keys_in_the_environment_are_refused(monkeypatch, variable, value) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match="empty or only whitespace"):
        Settings()


@pytest.mark.parametrize("host", ["rebound.example", "rebound.example:8000", "127.0.0.1.nip.io"])
def test_a_keyless_server_answers_no_other_host_name(retriever, host) -> None:
    with serve(retriever, base_url=f"http://{host}") as page:
        for method, path, body in [
            ("GET", "/v1/status", None),
            ("POST", "/v1/search", {"query": "install"}),
            ("PUT", "/v1/documents", DOCUMENT),
            ("GET", "/", None),
        ]:
            response = page.request(method, path, json=body)
            assert response.status_code == 421, (method, path)
            assert response.json()["error"]["code"] == "misdirected_request"
    assert retriever.documents(path_glob="notes.md").total == 0


@pytest.mark.parametrize("base_url", [LOCAL, "http://localhost:8000", "http://[::1]:9"])
def test_a_keyless_server_answers_its_loopback_names(retriever, base_url) -> None:
    with serve(retriever, base_url=base_url) as client:
        assert client.get("/v1/status").status_code == 200
        assert client.post("/v1/search", json={"query": "install"}).status_code == 200


def test_a_keyless_server_refuses_cross_site_requests(retriever) -> None:
    with serve(retriever) as client:
        other_site = {"Origin": "https://evil.example"}
        for origin in (other_site, {"Origin": "null"}):
            response = client.post("/v1/search", json={"query": "install"}, headers=origin)
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "forbidden_origin"
        own = {"Origin": LOCAL}
        assert client.post("/v1/search", json={"query": "x"}, headers=own).status_code == 200
    allowed = "https://app.example"
    with serve(retriever, cors_origins=[allowed]) as client:
        response = client.post("/v1/search", json={"query": "x"}, headers={"Origin": allowed})
        assert response.status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_writes_need_a_json_body(retriever, content_type) -> None:
    with serve(retriever) as client:
        for method, path in [("POST", "/v1/index"), ("PUT", "/v1/documents")]:
            response = client.request(
                method, path, content=b'{"path": "a.md"}', headers={"Content-Type": content_type}
            )
            assert response.status_code == 415, (method, path)
            assert response.json()["error"]["code"] == "unsupported_media_type"
        assert client.put("/v1/documents", json=DOCUMENT).status_code == 200
        assert client.delete(f"/v1/documents/{DOCUMENT['path']}").status_code in {200, 404}
