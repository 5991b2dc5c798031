"""Validate: check a graph against the SHACL shapes in ontology/shapes.ttl (pySHACL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH, NamespaceManager
from rdflib.term import Node

from kg.build import new_graph
from kg.iri import base
from kg.resources import resource


@dataclass
class Report:
    """Whether a graph conforms, and one readable line per violation: focus node, path, message."""

    conforms: bool
    violations: list[str] = field(default_factory=list)


@cache
def shapes_graph() -> Graph:
    """The project's SHACL shapes (parsed once)."""
    return Graph().parse(resource("ontology", "shapes.ttl"), format="turtle")


def validate(graph: Graph) -> Report:
    """Check `graph` against the shapes; no inference, every violation reported."""
    conforms, results, _ = pyshacl.validate(  # inplace: no copy of the graph; nothing is inferred into it
        graph, shacl_graph=shapes_graph(), inference="none", inplace=True, abort_on_first=False,
        allow_warnings=True,
    )
    names = new_graph().namespace_manager
    lines = []
    for result in results.objects(None, SH.result):  # top-level results, not their sh:detail
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        message = messages[0] if messages else str(results.value(result, SH.sourceConstraintComponent))
        line = f"{_short(focus, names)}"
        if path is not None:
            line += f" {_short(path, names)}"
        line += f": {message}"
        if value is not None and value != focus:
            line += f" (value: {_short(value, names)})"
        lines.append(line)
    return Report(bool(conforms), sorted(set(lines)))


def _short(node: Node | None, names: NamespaceManager) -> str:
    """A node as a user reads it: data IRIs relative to the base, others as prefixed names."""
    if isinstance(node, URIRef):
        return node.removeprefix(base()) if node.startswith(base()) else node.n3(names)
    if isinstance(node, Literal):
        return f'"{node}"'
    return "?" if node is None else node.n3()
