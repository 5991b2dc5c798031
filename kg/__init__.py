"""Alliance KG: the US-Japan Alliance Digest as an RDF knowledge graph."""

from kg.errors import InputError, KGError, QueryError, SelectionError, StoreError, VocabularyError

__all__ = ["InputError", "KGError", "QueryError", "SelectionError", "StoreError", "VocabularyError"]
