"""`python -m retriever ...`: the same as the `retriever` command."""

from retriever.cli import main

main()
