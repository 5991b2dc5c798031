"""Push the store's graphs to a remote SPARQL 1.1 store.

Each named graph (one per digest, plus the entities and summary graphs) is replaced whole on the
remote side, so pushing twice leaves one copy: either a Graph Store Protocol PUT per graph, or SPARQL Update
(`DROP SILENT GRAPH`, then `INSERT DATA` in batches small enough for any server).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox

from kg.errors import KGError, QueryError
from kg.iri import mint

BATCH = 2000  # triples per INSERT DATA request


@dataclass
class Pushed:
    """One graph sent: its IRI and how many triples it holds."""

    graph: str
    triples: int


class PushError(KGError):
    """The remote store refused or could not be reached."""


def _ntriples(store: ox.Store, graph: str) -> list[str]:
    return [f"{q.subject} {q.predicate} {q.object} ."
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]


def _batches(lines: list[str], size: int = BATCH) -> Iterator[list[str]]:
    for start in range(0, len(lines), size):
        yield lines[start:start + size]


class _Remote:
    """HTTP to the remote store; Basic authentication, or Digest where Basic is refused."""

    def __init__(self, user: str | None, password: str | None, timeout: float = 120.0) -> None:
        self.client = httpx.Client(timeout=timeout)
        self.user, self.password = user, password or ""
        self.auth: httpx.Auth | None = httpx.BasicAuth(user, self.password) if user else None

    def send(self, method: str, url: str, **options) -> httpx.Response:
        try:
            response = self.client.request(method, url, auth=self.auth, **options)
            # Basic refused: try Digest (Virtuoso's /sparql-auth refuses Basic without a challenge).
            if response.status_code == 401 and isinstance(self.auth, httpx.BasicAuth):
                self.auth = httpx.DigestAuth(self.user, self.password)
                response = self.client.request(method, url, auth=self.auth, **options)
        except httpx.HTTPError as error:
            raise PushError(f"{url}: {error}") from None
        if response.status_code >= 400:
            detail = " ".join(response.text.split())[:300]
            raise PushError(f"{url} answered {response.status_code} to {method}: {detail}")
        return response

    def close(self) -> None:
        self.client.close()


def selected_graphs(store: ox.Store, volumes: list[str] | None = None) -> list[str]:
    """The named graphs to push: every digest (or those of the given volumes), plus the entities
    graph that describes what they link and the summary graph."""
    shared = [str(mint("graph", "entities")), str(mint("graph", "summary"))]
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    if not volumes:
        return names
    found = {}
    for solution in store.query(
        "SELECT ?g ?volume WHERE { GRAPH ?g { ?g <https://alliance-kg.org/ontology#volume> ?volume } }"
    ):
        found.setdefault(solution["volume"].value, []).append(solution["g"].value)
    missing = [v for v in volumes if v not in found and v not in names]
    if missing:
        known = ", ".join(sorted(found))
        raise QueryError(f"no digest volume {', '.join(missing)} in the store (volumes: {known})")
    chosen = {iri for v in volumes for iri in found.get(v, [v])}
    return sorted(chosen) + [iri for iri in shared if iri in names]


def push(store_path: str | Path, endpoint: str | None = None, *, graph_store: str | None = None,
         user: str | None = None, password: str | None = None,
         volumes: list[str] | None = None) -> list[Pushed]:
    """Replace each selected graph on the remote store; returns what was sent.

    `graph_store`: a Graph Store Protocol URL (PUT ?graph=IRI per graph); otherwise `endpoint`
    receives SPARQL Update."""
    from kg.store import Store

    if not (endpoint or graph_store):
        raise QueryError("give --endpoint URL (SPARQL Update) or --graph-store URL")
    store = Store.open(store_path, read_only=True)
    remote = _Remote(user, password)
    pushed = []
    try:
        for graph in selected_graphs(store.oxigraph, volumes):
            lines = _ntriples(store.oxigraph, graph)
            if graph_store:
                body = ("\n".join(lines) + "\n").encode()
                remote.send("PUT", graph_store, params={"graph": graph}, content=body,
                            headers={"Content-Type": "application/n-triples"})
            else:
                remote.send("POST", endpoint, data={"update": f"DROP SILENT GRAPH <{graph}>"})
                for batch in _batches(lines):
                    update = f"INSERT DATA {{ GRAPH <{graph}> {{\n" + "\n".join(batch) + "\n} }"
                    remote.send("POST", endpoint, data={"update": update})
            pushed.append(Pushed(graph, len(lines)))
    finally:
        remote.close()
        store.close()
    return pushed
