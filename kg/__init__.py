"""Alliance KG: the US-Japan Alliance Digest as an RDF knowledge graph."""

from kg.errors import InputError, KGError, QueryError, SelectionError, StoreError, VocabularyError


def open(path: str = "kg-data", *, read_only: bool = True):
    """Open a store folder for SPARQL: `g = kg.open("kg-data"); g.query("...")`, `g.named(...)`."""
    from kg.query import open_graph

    return open_graph(path, read_only=read_only)


__all__ = ["InputError", "KGError", "QueryError", "SelectionError", "StoreError", "VocabularyError", "open"]
