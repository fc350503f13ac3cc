"""Ingest: files -> rows and vectors (incremental indexing, distributed on Ray, watching, git)."""
