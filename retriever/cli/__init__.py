"""The `retriever` command (typer): a few lines per command over :class:`retriever.Retriever`."""

from retriever.cli.commands import app, main

__all__ = ["app", "main"]
