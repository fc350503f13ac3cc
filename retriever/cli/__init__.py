"""The `retriever` command (typer): a few lines per command over :class:`retriever.Retriever`.

Commands register on :data:`retriever.cli.options.app` in the order `--help` lists them."""

from retriever.cli import commands, operations  # noqa: F401  (registers the commands)
from retriever.cli.commands import main
from retriever.cli.options import app

__all__ = ["app", "main"]
