"""The README documents every command and setting, and CI runs the README's test command."""

from __future__ import annotations

import re

import pytest

from paths import REPO
from retriever.cli import app
from retriever.settings import Settings

README = (REPO / "README.md").read_text()
COMMANDS = [command.name or command.callback.__name__ for command in app.registered_commands]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_documented(command: str) -> None:
    registered = next(
        c for c in app.registered_commands if (c.name or c.callback.__name__) == command
    )
    assert registered.callback.__doc__
    assert f"retriever {command}" in README


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert Settings.model_fields[name].description
    assert f"RETRIEVER_{name.upper()}" in README


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```(?:bash|sh)\n(.*?)```", README, re.S)
    test_command = next(c.strip() for c in commands if "pytest" in c)
    assert test_command in (REPO / ".ci" / "run").read_text()
