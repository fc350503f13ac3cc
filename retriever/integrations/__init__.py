"""Adapters that put a Retriever behind other frameworks' retriever interfaces."""
