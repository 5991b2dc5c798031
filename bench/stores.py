"""Store comparison at 10k events: load, reopen and query pyoxigraph against rdflib's stores."""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from pathlib import Path

from rdflib import Dataset

from bench.context import COMPARISON_EVENTS, Context
from bench.report import Table, capped, ratio, seconds

# Figures at 10k events from /work/shared/notes/measurements.md (2 shared cores, medians of 3).
NOTES_LOAD = {"pyoxigraph bulk_load": 5.4, "rdflib Dataset (memory)": 17.5,
              "oxrdflib (rdflib on Oxigraph)": 23.4}
NOTES_QUERY_MS = {  # query -> {store: ms}
    "Q1": {"pyoxigraph": 343, "rdflib": 4703, "oxrdflib": 364},
    "Q2": {"pyoxigraph": 4, "rdflib": 39, "oxrdflib": 9},
    "Q4": {"pyoxigraph": 125, "rdflib": 531, "oxrdflib": 121},
    "Q6": {"pyoxigraph": 9, "rdflib": 1417, "oxrdflib": 9},
}

_PREFIXES = """PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX ak: <https://alliance-kg.org/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# The notes' query set, written against our graph; {person} is the busiest person's IRI. They
# avoid joining through entity descriptions (labels, codes): those are repeated in every digest
# graph, and pyoxigraph 0.5's union default graph returns a triple once per graph holding it
# (oxigraph issue #1919, fixed after 0.5), which multiplies such joins; DUPLICATES measures that.
QUERIES = {
    "Q1": ("events per country per month", """
SELECT ?country ?month (COUNT(DISTINCT ?event) AS ?events) WHERE {
  ?event ak:involvesCountry ?country ; sem:hasTimeStamp ?date .
  BIND(SUBSTR(STR(?date), 1, 7) AS ?month)
} GROUP BY ?country ?month"""),
    "Q2": ("events of one person with dates and places", """
SELECT ?event ?date ?place WHERE {
  ?event sem:hasActor <{person}> .
  OPTIONAL { ?event sem:hasTimeStamp ?date }
  OPTIONAL { ?event sem:hasPlace ?place }
}"""),
    "Q4": ("case-insensitive CONTAINS over descriptions", """
SELECT ?event WHERE {
  ?event dcterms:description ?text .
  FILTER(CONTAINS(LCASE(?text), "semiconductors"))
}"""),
    "Q6": ("events between two dates, ORDER BY date LIMIT 50", """
SELECT ?event ?date WHERE {
  ?event sem:hasTimeStamp ?date .
  FILTER(?date >= "2020-01-01"^^xsd:date && ?date < "2020-07-01"^^xsd:date)
} ORDER BY ?date LIMIT 50"""),
}
DUPLICATES = ("SELECT (COUNT(*) AS ?rows) (COUNT(DISTINCT ?country) AS ?countries) "
              "WHERE { ?country skos:notation ?code }")
QUERY_CAP = 30.0  # seconds one query may run before it is stopped


def busiest_person(store) -> str:
    """The IRI of the person who is an actor in the most events (a pyoxigraph store)."""
    rows = store.query("""
        SELECT ?person (COUNT(?event) AS ?events) WHERE {
          ?event <http://semanticweb.cs.vu.nl/2009/11/sem/hasActor> ?person .
          FILTER(CONTAINS(STR(?person), "/person/"))
        } GROUP BY ?person ORDER BY DESC(?events) LIMIT 1""", use_default_graph_as_union=True)
    return next(iter(rows))["person"].value


def _count(result) -> int:
    return sum(1 for _ in result)


def _oxigraph_query(folder: Path, sparql: str):
    """In the child: open the store read-only, and the action that runs the query."""
    def make():
        import pyoxigraph as ox

        store = ox.Store.read_only(str(folder))
        return lambda: _count(store.query(sparql, use_default_graph_as_union=True))
    return make


def run(context: Context) -> list[Table]:
    import pyoxigraph as ox

    graph = context.graph(COMPARISON_EVENTS)
    table = Table(
        f"Store comparison at {COMPARISON_EVENTS:,} events ({graph.quads:,} quads)",
        "Baselines: the same measurement in `/work/shared/notes/measurements.md` (its graph had ~84 "
        f"quads per event, ours {graph.quads / graph.events:.0f}). Queries: Q1 events per country per "
        "month, Q2 events of the busiest person with dates and places, Q4 case-insensitive CONTAINS "
        "over descriptions, Q6 events in a half-year ORDER BY date LIMIT 50; medians of 3, each "
        f"query stopped after {QUERY_CAP:.0f} s.")
    workdir = Path(tempfile.mkdtemp(prefix="kg-bench-stores-"))
    try:
        # pyoxigraph: bulk load, reopen, queries over the union of the named graphs.
        folder = workdir / "oxigraph"
        started = time.perf_counter()
        store = ox.Store(str(folder))
        store.bulk_load(path=str(graph.path), format=ox.RdfFormat.N_QUADS)
        store.flush()
        load = time.perf_counter() - started
        base = NOTES_LOAD["pyoxigraph bulk_load"]
        table.add("load: pyoxigraph bulk_load (on disk)", seconds(load), f"notes {base} s", ratio(load, base),
                  f"{graph.quads / load:,.0f} quads/s")
        del store
        gc.collect()
        started = time.perf_counter()
        store = ox.Store(str(folder))
        bool(store.query("ASK { ?s ?p ?o }"))
        reopen = time.perf_counter() - started
        table.add("reopen: pyoxigraph (open + first query)", seconds(reopen), "notes 0.02-0.06 s (100k)",
                  ratio(reopen, 0.06))
        person = busiest_person(store)
        counted = next(iter(store.query(_PREFIXES + DUPLICATES, use_default_graph_as_union=True)))
        rows, countries = int(counted["rows"].value), int(counted["countries"].value)
        table.add("union default graph: rows of `?c skos:notation ?code`", f"{rows:,}",
                  f"{countries} (one per coded entity)", ratio(rows, countries),
                  "pyoxigraph 0.5 returns a triple once per digest graph holding it (oxigraph #1919)")
        del store
        queries = {name: _PREFIXES + text.replace("{person}", person) for name, (_, text) in QUERIES.items()}
        ox_times = {name: capped(_oxigraph_query(folder, sparql), QUERY_CAP)
                    for name, sparql in queries.items()}

        # rdflib's in-memory Dataset: load (= what reopening costs, the data is parsed again).
        dataset, rdflib_load = context.rdflib_dataset(COMPARISON_EVENTS)
        base = NOTES_LOAD["rdflib Dataset (memory)"]
        table.add("load: rdflib Dataset in memory", seconds(rdflib_load), f"notes {base} s",
                  ratio(rdflib_load, base), f"{rdflib_load / load:.1f}x pyoxigraph; reopening parses again")
        rdflib_times = {name: capped(lambda sparql=sparql: lambda: _count(dataset.query(sparql)), QUERY_CAP)
                        for name, sparql in queries.items()}

        # oxrdflib: rdflib's API on an in-memory Oxigraph store.
        started = time.perf_counter()
        ox_dataset = Dataset(store="Oxigraph", default_union=True)
        ox_dataset.parse(str(graph.path), format="ox-nquads")
        oxrdflib_load = time.perf_counter() - started
        base = NOTES_LOAD["oxrdflib (rdflib on Oxigraph)"]
        table.add("load: oxrdflib (ox-nquads, in-memory Oxigraph)", seconds(oxrdflib_load),
                  f"notes {base} s", ratio(oxrdflib_load, base))
        oxrdflib_times = {
            name: capped(lambda sparql=sparql, on=ox_dataset: lambda: _count(on.query(sparql)), QUERY_CAP)
            for name, sparql in queries.items()}
        ox_dataset = None
        gc.collect()

        for name in queries:
            notes = NOTES_QUERY_MS[name]
            for store_name, result in (("pyoxigraph", ox_times[name]), ("rdflib", rdflib_times[name]),
                                       ("oxrdflib", oxrdflib_times[name])):
                figure = result.median
                note = ""
                if store_name == "pyoxigraph" and figure and rdflib_times[name].median:
                    note = f"rdflib {rdflib_times[name].median / figure:,.0f}x slower"
                table.add(f"{name} {store_name}", result.text(QUERY_CAP), f"notes {notes[store_name]:,} ms",
                          ratio(figure * 1000, notes[store_name]) if figure else "", note)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return [table]
