"""Per-language tables for the code segmenter: which tree-sitter nodes are definitions.

Node types were read off the installed grammar packages (tree-sitter 0.26 bindings). Each
language is data (:class:`LanguageSpec`): a map from definition node type to its kind (or to a
function deciding the kind), optional name extractors, and the node types that are transparent
to the segmenter. One module per family of languages.
"""

from __future__ import annotations

from indexers.code_languages import (
    extended,
    functional,
    hardware_lisp,
    jvm_apple,
    mainstream,
    pascal_ada,
    scripting,
)
from indexers.code_languages.base import LanguageSpec, clean_name, field_name, node_text

#: Language name (as :mod:`indexers.languages` detects it) -> how to read its tree.
SPECS: dict[str, LanguageSpec] = {
    **mainstream.SPECS,
    **jvm_apple.SPECS,
    **functional.SPECS,
    **scripting.SPECS,
    **extended.SPECS,
    **hardware_lisp.SPECS,
    **pascal_ada.SPECS,
}

__all__ = ["SPECS", "LanguageSpec", "clean_name", "field_name", "node_text"]
