"""Errors a user can cause. Each carries a one-line message the CLI and API show as is."""


class RetrieverError(Exception):
    """Base class: anything the user can fix (bad path, wrong model, corrupt index, ...)."""


class IndexNotFoundError(RetrieverError):
    pass


class IndexLockedError(RetrieverError):
    pass


class CorruptIndexError(RetrieverError):
    pass


class StorageError(RetrieverError):
    """The disk refused a write (I/O error, disk full, read-only): nothing committed is lost."""


class ModelError(RetrieverError):
    """The model cannot be found or loaded."""


class ModelMismatchError(RetrieverError):
    """The index was built with another model or chunk settings."""


class InvalidQueryError(RetrieverError):
    """Empty or malformed query, or bad filters."""
