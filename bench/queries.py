"""Named-query latency: every `data/queries/*.rq` on the project store, beside rdflib's memory store."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from bench.context import COMPARISON_EVENTS, Context
from bench.report import Table, median_time, ratio, seconds

TARGET_MS = 100
RDFLIB_CAP = 10.0  # seconds one named query may run on rdflib before it is stopped


def default_params(store) -> dict[str, dict[str, str]]:
    """Values for the required parameters of the named queries, taken from the data itself:
    the busiest person's surname, a country, a topic, a half-year, two digest volumes."""
    from kg.query import named_queries

    busiest = store.query("""
        SELECT ?name (COUNT(?event) AS ?events) WHERE {
          ?event <http://semanticweb.cs.vu.nl/2009/11/sem/hasActor> ?person .
          ?person a <http://xmlns.com/foaf/0.1/Person> ; <http://www.w3.org/2000/01/rdf-schema#label> ?name .
        } GROUP BY ?name ORDER BY DESC(?events) LIMIT 1""", use_default_graph_as_union=True)
    surname = next(iter(busiest))["name"].value.split()[-1]
    volumes = [row["volume"].value for row in store.query("""
        SELECT ?volume WHERE { ?digest <https://alliance-kg.org/ontology#volume> ?volume }
        ORDER BY ?volume LIMIT 2""", use_default_graph_as_union=True)]
    choices = {
        "person": surname, "country": "JP", "topic": "defense", "text": "semiconductors",
        "from": "2020-01-01", "to": "2020-06-30", "entity": surname, "old": volumes[0],
        "new": volumes[-1], "role": "Minister",
    }
    params: dict[str, dict[str, str]] = {}
    for name, query in named_queries().items():
        values = {}
        for param in query.params:
            if not param.optional:
                values[param.name] = choices.get(param.name, "")
        params[name] = values
    return params


def bound_queries(store) -> dict[str, str]:
    """Every named query as runnable SPARQL with its default parameters bound."""
    from kg.query import bind, named_queries

    params = default_params(store)
    return {name: bind(query.text, query.bindings(params[name])) for name, query in named_queries().items()}


def _rdflib_worker(dataset, sparql: str, answer) -> None:
    try:
        answer.send(("ok", median_time(lambda: sum(1 for _ in dataset.query(sparql)), budget=RDFLIB_CAP)))
    except Exception as error:
        answer.send(("error", f"{type(error).__name__}: {error}"[:120]))


def rdflib_latencies(nquads: list[Path], queries: dict[str, str]) -> tuple[float, dict[str, float | str]]:
    """Load the files into rdflib's in-memory Dataset once, then time each query in a forked child
    that is stopped after RDFLIB_CAP seconds (rdflib cannot interrupt a query)."""
    from rdflib import Dataset

    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    for path in nquads:
        dataset.parse(str(path), format="nquads")
    load = time.perf_counter() - started
    fork = multiprocessing.get_context("fork")
    results: dict[str, float | str] = {}
    for name, sparql in queries.items():
        receive, send = fork.Pipe(duplex=False)
        child = fork.Process(target=_rdflib_worker, args=(dataset, sparql, send))
        child.start()
        if receive.poll(RDFLIB_CAP * 3 + 5):
            status, value = receive.recv()
            results[name] = value if status == "ok" else f"error: {value}"
        else:
            child.kill()
            results[name] = f"> {RDFLIB_CAP:.0f} s (stopped)"
        child.join()
    return load, results


def summary_nquads(folder: Path, out: Path) -> Path:
    """The store's summary graph written as N-Quads, so rdflib gets the same data as the store."""
    import pyoxigraph as ox

    from kg.iri import mint

    store = ox.Store.read_only(str(folder))
    summary = ox.NamedNode(str(mint("graph", "summary")))
    ox.serialize(store.quads_for_pattern(None, None, None, summary), str(out), ox.RdfFormat.N_QUADS)
    return out


def run(context: Context) -> list[Table]:
    from kg.query import open_graph

    loaded = context.store(context.scale)
    graph = open_graph(loaded.folder, read_only=True)
    queries = bound_queries(graph.store)
    size = f"{context.scale:,} events"
    table = Table(
        f"Named queries at {size} (project store) beside rdflib's memory store",
        f"Median of 3 (fewer when slow) of each `data/queries/*.rq`, required parameters taken from "
        f"the data (busiest person's surname, JP, 'defense', first half of 2020), through "
        f"`kg.query.open_graph(...).run`. Target < {TARGET_MS} ms. rdflib: the same bound query on "
        f"an in-memory `Dataset(default_union=True)` holding the same quads at "
        f"{min(context.scale, COMPARISON_EVENTS):,} events"
        + (" (rdflib at 100k needs ~16 GB and minutes to load, so it runs at 10k)"
           if context.scale > COMPARISON_EVENTS else "")
        + f", stopped after {RDFLIB_CAP:.0f} s.")
    how = "reused from the cache; it took" if loaded.cached else "took"
    table.add(f"store load (bulk_load) at {size}", seconds(loaded.load_seconds),
              note=f"{how} this")
    table.add(f"summary graph recompute at {size}", seconds(loaded.summary_seconds),
              note="kg.ingest.summary_graph over the whole store, as after every ingest")

    ours: dict[str, float] = {}
    rows: dict[str, int] = {}
    for name, sparql in queries.items():
        ours[name] = median_time(lambda sparql=sparql: graph.run(sparql), budget=20)
        rows[name] = len(graph.run(sparql))

    comparison = context.store(min(context.scale, COMPARISON_EVENTS))
    if comparison.folder != loaded.folder:
        comparison_queries = bound_queries(open_graph(comparison.folder, read_only=True).store)
    else:
        comparison_queries = queries
    summary = summary_nquads(comparison.folder, comparison.folder.with_suffix(".summary.nq"))
    rdflib_load, theirs = rdflib_latencies(
        [context.graph(min(context.scale, COMPARISON_EVENTS)).path, summary], comparison_queries)
    table.add(f"rdflib Dataset load at {min(context.scale, COMPARISON_EVENTS):,} events",
              seconds(rdflib_load))
    within = 0
    for name in queries:
        figure = ours[name]
        within += figure * 1000 < TARGET_MS
        other = theirs[name]
        if isinstance(other, float):
            note = f"rdflib {seconds(other)} ({other / figure:,.0f}x ours)"
        else:
            note = f"rdflib {other}"
        table.add(name, seconds(figure), f"< {TARGET_MS} ms", ratio(figure * 1000, TARGET_MS),
                  f"{rows[name]} rows; {note}")
    table.add("queries within target", f"{within} of {len(queries)}", f"{len(queries)} of {len(queries)}")
    return [table]
