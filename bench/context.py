"""What the benchmark sections share: the scale, the synthetic graphs, a loaded store per scale."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.synthetic import OUT, SyntheticGraph, write_nquads

ROOT = Path(__file__).resolve().parent.parent
COMPARISON_EVENTS = 10_000  # the scale of the store comparison and of rdflib's side of the queries


@dataclass
class Context:
    """Options of the run and the graphs and stores made so far (each made once, on demand)."""

    scale: int
    seed: int = 7
    reuse_store: bool = False  # take a cached store even if kg/store.py or kg/ingest.py changed
    endpoint_seconds: float = 30.0
    graphs: dict[int, SyntheticGraph] = field(default_factory=dict)
    stores: dict[int, LoadedStore] = field(default_factory=dict)
    rdflib: dict[int, tuple[object, float]] = field(default_factory=dict)
    rdflib_summaries: set[int] = field(default_factory=set)
    slow_named_queries: set[str] | None = None  # too slow to put under endpoint load (query section)

    def rdflib_dataset(self, events: int, with_summary: bool = False) -> tuple[object, float]:
        """rdflib's in-memory Dataset (union default graph) holding the synthetic graph of
        `events`, and the seconds parsing it took; loaded once per run. `with_summary` adds the
        store's summary graph, so named queries see the same data as on the store."""
        from rdflib import Dataset

        if events not in self.rdflib:
            for loaded in list(self.rdflib):  # one at a time: each takes gigabytes
                del self.rdflib[loaded]
                self.rdflib_summaries.discard(loaded)
            path = self.graph(events).path
            started = time.perf_counter()
            dataset = Dataset(default_union=True)
            dataset.parse(str(path), format="nquads")
            self.rdflib[events] = (dataset, time.perf_counter() - started)
        if with_summary and events not in self.rdflib_summaries:
            folder = self.store(events).folder
            summary = summary_nquads(folder, folder.with_suffix(".summary.nq"))
            self.rdflib[events][0].parse(str(summary), format="nquads")
            self.rdflib_summaries.add(events)
        return self.rdflib[events]

    def graph(self, events: int) -> SyntheticGraph:
        """The synthetic N-Quads file of `events` events (cached under bench/out/)."""
        if events not in self.graphs:
            self.graphs[events] = write_nquads(events, self.seed)
        return self.graphs[events]

    def store(self, events: int) -> LoadedStore:
        """A project store folder holding the synthetic graph and its summary graph.

        The folder is kept under bench/out/ and reused while the graph file and kg/store.py,
        kg/ingest.py stay the same; the benchmarks only read it. Stale folders stay until
        someone removes bench/out/ (another run may still be reading them).
        """
        if events in self.stores:
            return self.stores[events]
        graph = self.graph(events)
        key = hashlib.sha256(graph.path.name.encode())
        for part in ("kg/store.py", "kg/ingest.py"):
            path = ROOT / part
            if path.exists():
                key.update(path.read_bytes())
        folder = OUT / f"store-{events}-{key.hexdigest()[:12]}"
        done = folder.with_suffix(".json")
        if self.reuse_store and not done.exists():
            # Any finished store of this scale, even one loaded before kg/ingest.py changed.
            finished = sorted(OUT.glob(f"store-{events}-*.json"), key=lambda path: path.stat().st_mtime)
            if finished:
                folder, done = finished[-1].with_suffix(""), finished[-1]
                print(f"  reusing {folder.name} (loaded by an earlier version of kg/store.py or "
                      "kg/ingest.py)", flush=True)
        if done.exists() and folder.exists():
            facts = json.loads(done.read_text())
            self.stores[events] = LoadedStore(folder, facts["load"], facts["summary"], True)
            return self.stores[events]
        if folder.exists():  # a load that did not finish
            shutil.rmtree(folder)
        started = time.perf_counter()
        summary = load_store(folder, graph.path)
        load = time.perf_counter() - started - summary
        done.write_text(json.dumps({"load": load, "summary": summary}))
        self.stores[events] = LoadedStore(folder, load, summary, False)
        return self.stores[events]


@dataclass
class LoadedStore:
    """A store folder of synthetic data, and what loading it and summarizing it took."""

    folder: Path
    load_seconds: float
    summary_seconds: float
    cached: bool


def load_store(folder: Path, nquads: Path) -> float:
    """Bulk-load an N-Quads file into a new store folder, then add the summary graph the way
    `kg ingest` does after every run (kg.ingest.summary_graph). Returns the summary's seconds."""
    import pyoxigraph as ox

    from kg.ingest import summary_graph
    from kg.store import Store

    oxigraph = ox.Store(str(folder))
    oxigraph.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    oxigraph.flush()
    del oxigraph
    with Store.open(folder) as store:
        started = time.perf_counter()
        summary = summary_graph(store, {})
        store.replace_graphs({summary.identifier: summary})
        return time.perf_counter() - started


def summary_nquads(folder: Path, out: Path) -> Path:
    """The store's summary graph written as N-Quads (for rdflib to load the same data)."""
    import pyoxigraph as ox

    from kg.iri import mint

    if out.exists():  # the store folder is only ever read once loaded: its summary stays the same
        return out
    store = ox.Store.read_only(str(folder))
    summary = ox.NamedNode(str(mint("graph", "summary")))
    partial = out.with_name(f"{out.name}.{os.getpid()}.partial")
    ox.serialize(store.quads_for_pattern(None, None, None, summary), str(partial), ox.RdfFormat.N_QUADS)
    os.replace(partial, out)
    return out



def stop(process: subprocess.Popen, wait: float = 10) -> None:
    """End a child process: politely first, then for sure."""
    process.terminate()
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
