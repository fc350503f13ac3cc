"""HTTP API over `retriever.Retriever`: `create_app(retriever)` builds the FastAPI app."""

from api.app import create_app

__all__ = ["create_app"]
