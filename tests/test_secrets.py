"""Secrets never reach the index: likely-secret files are skipped by name unless a setting
includes them, and secret values inside ordinary files are masked before chunking, keeping
line numbers and byte offsets true."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexers.chunking import chunk_text
from indexers.discovery import Skipped, discover
from indexers.secrets import find_secrets, redact
from retriever import Retriever

#: Made-up secrets in the shapes the detectors know (none of them is live).
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
STRIPE_KEY = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
SLACK_TOKEN = "xoxb-" + "123456789012-1234567890123-abcdefghijklmnopqrstuvwx"
KEY_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + f"{KEY_BODY}\n{KEY_BODY[::-1]}\n"
    + "-----END RSA PRIVATE KEY-----\n"
)
SECRETS = (AWS_KEY, GITHUB_TOKEN, STRIPE_KEY, SLACK_TOKEN, KEY_BODY, KEY_BODY[::-1])


def names(root: Path, **options: bool) -> dict[str, str]:
    return {
        item.path: item.reason if isinstance(item, Skipped) else "indexed"
        for item in discover(root, **options)
    }


@pytest.mark.parametrize(
    "rel",
    [
        ".env",
        ".env.local",
        ".env.production",
        "deploy/prod.env",
        ".ssh/id_rsa",
        "keys/id_ed25519",
        "id_ecdsa",
        "certs/server.pem",
        "certs/server.key",
        "certs/client.p12",
        "certs/client.pfx",
        "config/credentials.json",
        ".netrc",
        ".aws/credentials",
        ".npmrc",
        ".pypirc",
        ".htpasswd",
        ".git-credentials",
        ".pgpass",
        ".bash_history",
        ".zsh_history",
        "terraform.tfstate",
    ],
)
def test_likely_secret_files_are_skipped_by_name(tmp_path: Path, rel: str) -> None:
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / rel).write_text("TOKEN=hunter2\n")
    assert names(tmp_path) == {rel: "likely-secret"}
    assert names(tmp_path, include_secret_files=True) == {rel: "indexed"}


@pytest.mark.parametrize(
    "rel",
    [
        ".env.example",
        ".env.sample",
        ".env.template",
        "env.py",
        "environment.md",
        "secrets.py",  # the standard library has one
        "keys.py",
        "id_rsa.pub",
        "docs/credentials.md",
        "aws/credentials.py",
        "history.txt",
    ],
)
def test_templates_and_ordinary_names_are_kept(tmp_path: Path, rel: str) -> None:
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / rel).write_text("TOKEN=\n")
    assert names(tmp_path) == {rel: "indexed"}


def test_secrets_are_masked_in_place() -> None:
    source = (
        "import os\n"
        f"AWS = '{AWS_KEY}'\n"
        f'token = "{GITHUB_TOKEN}"  # keep this comment\n'
        f"stripe.api_key = {STRIPE_KEY!r}\n"
        f"slack = '{SLACK_TOKEN}'\n"
        f"KEY = '''{PRIVATE_KEY}'''\n"
        "def after():\n    return 'still searchable'\n"
    )
    masked = redact(source)
    for secret in SECRETS:
        assert secret in source and secret not in masked
    # Same lines, same UTF-8 length: line numbers and byte ranges stay those of the file.
    assert masked.splitlines() and len(masked.splitlines()) == len(source.splitlines())
    assert len(masked.encode()) == len(source.encode())
    assert "import os" in masked and "# keep this comment" in masked
    assert "def after():\n    return 'still searchable'\n" in masked
    assert "AWS = '" in masked and 'token = "' in masked


def test_chunks_never_carry_secrets(word_count) -> None:
    source = f"def connect():\n    key = '{GITHUB_TOKEN}'\n    return key\n\n{PRIVATE_KEY}"
    chunks = chunk_text(source, "app.py", "python", 64, word_count)
    assert "".join(chunk.text for chunk in chunks) != source
    assert "".join(chunk.text for chunk in chunks) == redact(source)
    assert not any(secret in chunk.text for chunk in chunks for secret in SECRETS)
    last = chunks[-1]
    assert last.end_byte == len(source.encode()) and last.end_line == source.count("\n")


@pytest.mark.parametrize(
    "text",
    [
        'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    parse(line)\n',
        "HEADERS = [\n    'BEGIN DSA PRIVATE KEY',\n    'BEGIN EC PRIVATE KEY',\n    'MORE',\n]\n",
        "def load(path):\n    return open(path).read()\n",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8\n",  # hashes are not secrets
        "id = '123e4567-e89b-12d3-a456-426614174000'\n",
        "url = 'https://example.org/path?q=1'\n",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert find_secrets(text) == [] and redact(text) == text


def test_a_json_web_token_is_masked_whole() -> None:
    token = (
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJrIjoidmFsdWUifQ."
        "_M8ViO_GK6TnZ9G9eqdlS7IpNWzhoGwaYYDQ3hEwwmA"
    )
    assert (
        redact(f"Authorization: Bearer {token}\n") == f"Authorization: Bearer {'*' * len(token)}\n"
    )


def test_uploaded_text_is_masked_too(tmp_path: Path, tiny_modernbert: Path) -> None:
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.upsert_text("notes/deploy.md", f"# Deploy\n\nUse token {GITHUB_TOKEN} here.\n")
        (hit,) = retriever.search("deploy token", k=1, mode="lexical")
    assert GITHUB_TOKEN not in hit.text and "Use token ****" in hit.text
