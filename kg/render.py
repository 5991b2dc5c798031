"""Render network pages: one self-contained HTML file that works offline from file://.

vis-network's script and style are inlined from pyvis's bundled copy; the page template is ours
(`data/templates/network.html`): pyvis's own template links Bootstrap from a CDN. pyvis's
`Network` still holds the nodes, edges and options; nodes are appended to it directly, because
its `add_node` checks grow quadratically. The layout is computed here with networkx and drawn
with physics off: vis-network's physics does not settle past a few hundred nodes
(`../shared/notes/measurements.md`).

Every label and text goes into the page as JSON data and is put on screen by the page's script
with `textContent`, never as markup, so a label `<img src=x>` shows as those characters.

Views: `selection_page` (a selection as it is), `ego_page` (an entity and what surrounds it),
`cooccurrence_page` (persons with persons or countries with countries, weighted by shared
events), `entity_page` (an entity's events in time order with its ego network).
"""

from __future__ import annotations

import html
import json
import math
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from itertools import combinations, pairwise
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from pyvis.network import Network
from rdflib import Graph
from rdflib.namespace import DCTERMS, OWL, PROV, RDFS, SKOS, XSD

from kg.errors import SelectionError, StoreError
from kg.export import to_networkx
from kg.iri import AK, ITSRDF, NIF, SEM, base, mint
from kg.resources import resource
from kg.select import LINK_PREDICATES, Criteria, ox_store, resolve, select

MAX_NODES = 2000

# Colour and shape per node type (colour-blind-safe palette, shapes tell types apart in grey too).
NODE_STYLES = {
    "event": {"label": "Event", "color": "#f2b134", "shape": "square"},
    "person": {"label": "Person", "color": "#4c8bd6", "shape": "dot"},
    "organization": {"label": "Organization", "color": "#2aa198", "shape": "diamond"},
    "country": {"label": "Country", "color": "#d9534f", "shape": "triangle"},
    "place": {"label": "Place", "color": "#8e6bbf", "shape": "triangleDown"},
    "topic": {"label": "Topic", "color": "#7fb77e", "shape": "ellipse"},
    "event_type": {"label": "Event type", "color": "#b0855a", "shape": "star"},
    "entity": {"label": "Other", "color": "#999999", "shape": "dot"},
}


class TooManyNodes(SelectionError):
    """A page that would be too big to draw."""

    http_status = 422


# --- views -------------------------------------------------------------------------------------


def selection_page(selection: Graph, title: str = "Alliance KG selection", subtitle: str = "",
                   aside: str | Callable[[], str] = "", center: str | None = None,
                   store: object | None = None) -> str:
    """A page drawing a selection as it is: events and the entities they link.

    The words to mark in each event's text come from the selection's mention nodes, or from
    `store` when given (then the selection can be made without provenance, which is faster).
    """
    network = to_networkx(selection)
    _check_size(network.number_of_nodes())
    if callable(aside):  # built only once the page is known to be drawable
        aside = aside()
    if network.number_of_nodes() == 0:
        raise SelectionError("the selection has nothing to draw (no events).")
    details = _event_details(selection, store)
    centrality = nx.degree_centrality(network)
    top = max(centrality.values())
    positions = _layout(network, center)
    nodes = []
    for node, data in network.nodes(data=True):
        item = {"id": node, "label": data.get("label") or node, "type": data.get("type") or "entity"}
        if item["type"] == "event":
            item.update(details.get(node, {}))
            item["date"], item["digest"] = data.get("date"), data.get("digest")
        else:
            item["events"] = network.degree(node)
        nodes.append(_placed(item, positions[node], centrality[node], top))
    edges = [{"from": s, "to": t, "label": d.get("relation", "")} for s, t, d in network.edges(data=True)]
    return _page(title, subtitle or _count_note(network), nodes, edges, aside)


def ego_page(store: object, entity: str, hops: int = 2, **criteria) -> str:
    """The network around one entity (IRI, label or alias), `hops` steps out."""
    seeds = resolve(store, entity)
    if len(seeds) == 1 and not criteria:
        _refuse_busy(ox_store(store), _node(seeds[0]))
    selection = select(store, Criteria(entities=[entity], hops=hops, provenance=False, **criteria),
                       drawing=True)
    label = _label(ox_store(store), _node(seeds[0])) if seeds else entity
    center = str(seeds[0]) if seeds else None
    return selection_page(selection, title=f"{label}: {hops}-hop network", center=center, store=store)


def cooccurrence_page(store: object, category: str = "person", criteria: Criteria | None = None,
                      min_weight: int = 1, limit: int = 1000) -> str:
    """Persons with persons (or countries with countries), weighted by the events they share.

    Without criteria the weights come from the summary graph (`ak:CoOccurrence`); with criteria
    they are counted over the selected events. At most `limit` of the heaviest edges are drawn.
    """
    if category not in ("person", "country"):
        raise SelectionError(f"co-occurrence is drawn for 'person' or 'country', not {category!r}.")
    db = ox_store(store)
    if criteria is None:
        weights, labels = _summary_cooccurrence(db, category)
        source = "all events (summary graph)"
    else:
        weights, labels = _selection_cooccurrence(
            select(db, replace(criteria, provenance=False), drawing=True), category)
        source = criteria.describe()
    heaviest = sorted(((w, a, b) for (a, b), w in weights.items() if w >= min_weight), reverse=True)
    dropped = max(0, len(heaviest) - limit)
    network = nx.Graph()
    for weight, a, b in heaviest[:limit]:
        network.add_edge(a, b, weight=weight)
    if network.number_of_nodes() == 0:
        raise SelectionError(f"no two {category} entities share an event in {source}"
                             f"{f' {min_weight} times or more' if min_weight > 1 else ''}.")
    _check_size(network.number_of_nodes())
    degree = nx.degree_centrality(network)
    sample = None if network.number_of_nodes() <= 500 else 200  # exact up to 500 nodes
    betweenness = nx.betweenness_centrality(network, k=sample, seed=7)
    positions = _layout(network, None, weight="weight")
    top = max(degree.values())
    nodes = []
    for node in network.nodes:
        events = sum(network.edges[node, other]["weight"] for other in network[node])
        item = {"id": node, "label": labels.get(node, node.rsplit("/", 1)[-1]), "type": category,
                "centrality": {"degree": degree[node], "betweenness": betweenness[node]},
                "shared": events}
        nodes.append(_placed(item, positions[node], degree[node], top))
    max_weight = heaviest[0][0]
    edges = [{"from": a, "to": b, "label": str(d["weight"]), "width": 1 + 7 * d["weight"] / max_weight}
             for a, b, d in network.edges(data=True)]
    note = f"{category} co-occurrence over {source}; edge weight = shared events"
    if dropped:
        note += f"; the {limit} heaviest of {len(heaviest)} pairs"
    plural = {"person": "persons", "country": "countries"}[category]
    return _page(f"Who appears with whom: {plural}", note, nodes, edges, "")


def entity_page(store: object, iri_or_label: str, hops: int = 2) -> str:
    """An entity page: who or what it is, its events in time order with the sentences naming it
    (linked words marked), and its ego network."""
    db = ox_store(store)
    seeds = resolve(db, iri_or_label)
    if not seeds:
        select(db, Criteria(entities=[iri_or_label]))  # raises SelectionError with suggestions
    entity = _node(seeds[0])
    _refuse_busy(db, entity)
    selection = select(db, Criteria(entities=[entity.value], hops=hops, provenance=False), drawing=True)
    label = _label(db, entity)
    return selection_page(selection, title=label, subtitle=f"{hops}-hop network of events and entities",
                          aside=lambda: _entity_aside(db, entity, label), center=entity.value, store=db)


def entity_page_in(store_path: str | Path, reference: str, hops: int = 2) -> str:
    """The entity page for a web route: opens the store read-only; `reference` is a key path
    under the base IRI ("person/fumio-kishida"), a full IRI, or a label or alias."""
    try:
        db = ox.Store.read_only(str(store_path))
    except OSError as error:
        raise StoreError(f"cannot open the store in {store_path}: {error}") from error
    reference = reference.strip("/")
    if "/" in reference and "://" not in reference:
        keyed = ox.NamedNode(base() + reference) if re.fullmatch(r"[\w.~/-]+", reference) else None
        if keyed is not None and next(iter(db.quads_for_pattern(keyed, None, None)), None) is not None:
            reference = keyed.value
    return entity_page(db, reference, hops=hops)


def criteria_page(store: object, criteria: Criteria) -> str:
    """The page of a selection made by criteria (selected without provenance: the marked words
    are read from the store)."""
    drawing = criteria.sparql is None or not re.search(r"\bCONSTRUCT\b", criteria.sparql, re.I)
    if drawing:
        criteria = replace(criteria, provenance=False)
    return selection_page(select(store, criteria, drawing=drawing), store=store)


def write_page(page: str, output: str | Path) -> Path:
    """Write a page to a file (whole or not at all)."""
    path = Path(output)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(path)
    return path


# --- data for the views ------------------------------------------------------------------------


def _check_size(count: int) -> None:
    if count > MAX_NODES:
        raise TooManyNodes(
            f"the page would have {count} nodes, more than {MAX_NODES} can be drawn usefully: narrow "
            "the selection (a country, a topic, --from/--to, fewer hops) or draw the aggregated "
            "view (kg viz --view cooccurrence)."
        )


def _refuse_busy(db: ox.Store, entity: ox.NamedNode) -> None:
    """Refuse an entity whose own events already exceed a page, before selecting them all
    (the summary graph counts each entity's events)."""
    summary = ox.NamedNode(str(mint("graph", "summary")))
    for quad in db.quads_for_pattern(entity, _node(AK.eventCount), None, summary):
        _check_size(int(quad.object.value) + 1)


def _count_note(network: nx.DiGraph) -> str:
    kinds = Counter(data.get("type") for _, data in network.nodes(data=True))
    return f"{kinds.get('event', 0)} events, {network.number_of_nodes() - kinds.get('event', 0)} entities"


def _event_details(selection: Graph, store: object | None = None) -> dict[str, dict]:
    """Per event: the bullet text and the code-point spans of the words behind its links.

    The spans are read from the mention nodes' IRIs (`{event}/mention/{begin}-{end}`,
    docs/design.md): one index lookup per event instead of two more per mention."""
    db = ox_store(selection)
    details: dict[str, dict] = {}
    for row in db.query(f"SELECT ?event ?text WHERE {{ ?event <{DCTERMS.description}> ?text }}"):
        details[row["event"].value] = {"text": row["text"].value, "marks": []}
    source = db if store is None else ox_store(store)
    events = sorted(details)
    spans: dict[str, set] = {}
    for start in range(0, len(events), 1000):
        values = " ".join(f"<{e}>" for e in events[start:start + 1000])
        rows = source.query(f"SELECT ?mention WHERE {{ VALUES ?event {{ {values} }} "
                            f"?mention <{NIF.referenceContext}> ?event }}",
                            use_default_graph_as_union=store is not None)
        for row in rows:
            event, _, span = row["mention"].value.rpartition("/mention/")
            begin, _, end = span.partition("-")
            if begin.isdigit() and end.isdigit():
                spans.setdefault(event, set()).add((int(begin), int(end)))
    for event, found in spans.items():
        if event in details:
            details[event]["marks"] = [list(span) for span in sorted(found)]
    return details


def _node(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _label(db: ox.Store, node: ox.NamedNode) -> str:
    for predicate in (RDFS.label, SKOS.prefLabel):
        for quad in db.quads_for_pattern(node, ox.NamedNode(str(predicate)), None):
            return quad.object.value
    return node.value.rsplit("/", 1)[-1]


def _summary_cooccurrence(db: ox.Store, category: str) -> tuple[dict, dict]:
    summary = ox.NamedNode(str(mint("graph", "summary")))
    weights: dict[tuple[str, str], int] = {}
    for row in db.query(f"""SELECT ?a ?b ?weight WHERE {{ GRAPH {summary} {{
            ?pair a <{AK.CoOccurrence}> ; <{AK.category}> {ox.Literal(category)} ;
                  <{AK.member}> ?a, ?b ; <{AK.weight}> ?weight . FILTER(STR(?a) < STR(?b)) }} }}"""):
        weights[row["a"].value, row["b"].value] = int(row["weight"].value)
    members = {m for pair in weights for m in pair}
    return weights, {m: _label(db, ox.NamedNode(m)) for m in members}


def _selection_cooccurrence(selection: Graph, category: str) -> tuple[dict, dict]:
    network = to_networkx(selection)
    weights: Counter = Counter()
    labels = {}
    for node, data in network.nodes(data=True):
        if data.get("type") != "event":
            continue
        members = sorted(m for m in network.successors(node) if network.nodes[m].get("type") == category)
        for m in members:
            labels[m] = network.nodes[m].get("label", m)
        weights.update(combinations(members, 2))
    return dict(weights), labels


def _entity_aside(db: ox.Store, entity: ox.NamedNode, label: str) -> str:
    """The entity's card and its events in time order, as escaped HTML."""
    esc = html.escape
    aliases = sorted({q.object.value for q in db.quads_for_pattern(entity, _node(SKOS.altLabel), None)})
    same_as = sorted({q.object.value for q in db.quads_for_pattern(entity, _node(OWL.sameAs), None)})
    parts = [f"<h2>{esc(label)}</h2>"]
    if aliases:
        parts.append(f"<div class=\"meta\">also: {esc(', '.join(aliases))}</div>")
    for link in same_as:
        if link.startswith(("http://", "https://")):
            parts.append(f"<div class=\"meta\"><a href=\"{esc(link)}\" rel=\"noopener noreferrer\">"
                         f"{esc(link)}</a></div>")
    links = " ".join(f"<{p}>" for p in LINK_PREDICATES)
    rows = db.query(f"""SELECT ?event ?headline ?text ?digest (MIN(?stamp) AS ?date)
        (SAMPLE(?issued) AS ?published)
        (GROUP_CONCAT(CONCAT(STR(?begin), ":", STR(?end)); separator=" ") AS ?spans) WHERE {{
          VALUES ?link {{ {links} }} ?event ?link {entity} ; <{DCTERMS.description}> ?text .
          OPTIONAL {{ ?mention <{ITSRDF.taIdentRef}> {entity} ; <{NIF.referenceContext}> ?event ;
                     <{NIF.beginIndex}> ?begin ; <{NIF.endIndex}> ?end . }}
          OPTIONAL {{ ?event <{RDFS.label}> ?headline }}
          OPTIONAL {{ ?event <{SEM.hasTimeStamp}> ?stamp FILTER(DATATYPE(?stamp) = <{XSD.date}>) }}
          OPTIONAL {{ ?event <{PROV.wasDerivedFrom}> ?d . ?d <{DCTERMS.title}> ?digest .
                     OPTIONAL {{ ?d <{DCTERMS.issued}> ?issued }} }}
        }} GROUP BY ?event ?headline ?text ?digest""", use_default_graph_as_union=True)

    def day(row) -> str:  # an event's earliest full date, else its digest's publication date
        return (row["date"] or row["published"] or ox.Literal("")).value

    items = []
    for row in sorted(rows, key=lambda row: (day(row), row["event"].value)):
        spans = sorted({tuple(int(x) for x in s.split(":")) for s in row["spans"].value.split()})  # type: ignore[misc]
        text = row["text"].value
        chosen = _sentences(text, spans) if spans else [(0, len(text))]
        sentences = "".join(f"<p>{_marked_sentence(text, sentence, spans)}</p>" for sentence in chosen)
        meta = " · ".join(v for v in (day(row), row["digest"] and row["digest"].value) if v)
        headline = row["headline"].value if row["headline"] is not None else ""
        items.append(f"<li><strong>{esc(headline)}</strong>"
                     f"<div class=\"meta\">{esc(meta)}</div>{sentences}</li>")
    parts.append(f"<h2>Events ({len(items)})</h2><ol>{''.join(items)}</ol>")
    return "".join(parts)


def _sentences(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences (begin, end) holding the spans, each once; the spans are code-point offsets."""
    bounds = [0] + [m.end() for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z\"“])", text)] + [len(text)]
    found = []
    for begin, _end in spans:
        for start, stop in pairwise(bounds):
            if start <= begin < stop and (start, stop) not in found:
                found.append((start, stop))
    return sorted(found)


def _marked_sentence(text: str, sentence: tuple[int, int], spans: list[tuple[int, int]]) -> str:
    """One sentence as escaped HTML with the entity's words in <mark>."""
    start, stop = sentence
    out, at = [], start
    for begin, end in spans:
        if begin < at or end > stop:
            continue
        out.append(html.escape(text[at:begin]))
        out.append(f"<mark>{html.escape(text[begin:end])}</mark>")
        at = end
    out.append(html.escape(text[at:stop]))
    return "".join(out).strip()


# --- layout and page ---------------------------------------------------------------------------


def _layout(network: nx.Graph, center: str | None, weight: str | None = None) -> dict:
    """Positions in pixels: rings around a centre entity (events, then what they link) for an ego
    network, else a force-directed layout computed once here."""
    count = network.number_of_nodes()
    scale = 45 * math.sqrt(count) + 150  # small pages open near 1:1, labels readable
    undirected = network.to_undirected(as_view=True) if network.is_directed() else network
    if center is not None and center in network:
        distance = nx.single_source_shortest_path_length(undirected, center)
        rings: dict[int, list] = {}
        for node, hops in sorted(distance.items(), key=lambda item: (item[1], item[0])):
            rings.setdefault(hops, []).append(node)
        unreached = [n for n in network if n not in distance]
        if unreached:
            rings[max(rings) + 1] = unreached
        positions = {}
        gap = scale / max(1, max(rings))
        for depth, ring in rings.items():
            for i, node in enumerate(ring):  # evenly round a circle per distance from the centre
                angle = 2 * math.pi * i / len(ring)
                positions[node] = (gap * depth * math.cos(angle), gap * depth * math.sin(angle))
    elif count <= 1:
        positions = {n: (0.0, 0.0) for n in network}
    elif count <= _FORCE_LAYOUT_NODES:  # spread out: separate clusters otherwise squeeze the big one
        positions = nx.spring_layout(undirected, weight=weight, iterations=100, seed=7, scale=scale,
                                     k=4 / math.sqrt(count))
    else:
        positions = _hub_layout(undirected, scale, weight)
    return {n: (float(x), float(y)) for n, (x, y) in positions.items()}


_FORCE_LAYOUT_NODES = 400  # networkx's force layout is quadratic (and past 500 nodes needs scipy)


def _hub_layout(network: nx.Graph, scale: float, weight: str | None) -> dict:
    """A layout in linear time for big pages: the best-connected nodes by force layout, then
    every other node, best-connected first, near the middle of its already placed neighbours."""
    order = sorted(network, key=lambda n: (-network.degree(n), n))
    hubs = network.subgraph(order[:_FORCE_LAYOUT_NODES])
    placed = dict(nx.spring_layout(hubs, weight=weight, iterations=50, seed=7, scale=scale,
                                   k=1.5 / math.sqrt(len(hubs))))
    jitter = random.Random(7)
    spread = scale / math.sqrt(len(hubs))
    unplaced = []
    for node in order[_FORCE_LAYOUT_NODES:]:
        around = [placed[m] for m in network[node] if m in placed]
        if not around:
            unplaced.append(node)
            continue
        angle, radius = jitter.uniform(0, 2 * math.pi), spread * jitter.uniform(0.3, 1.0)
        placed[node] = (sum(x for x, _ in around) / len(around) + radius * math.cos(angle),
                        sum(y for _, y in around) / len(around) + radius * math.sin(angle))
    for i, node in enumerate(unplaced):  # not connected to anything placed: a ring outside
        angle = 2 * math.pi * i / len(unplaced)
        placed[node] = (1.2 * scale * math.cos(angle), 1.2 * scale * math.sin(angle))
    return placed


def _placed(item: dict, position: tuple[float, float], centrality: float, top: float) -> dict:
    item["x"], item["y"] = round(position[0], 1), round(position[1], 1)
    item["size"] = round(10 + 22 * math.sqrt(centrality / top), 1) if top else 12
    return item


@cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's script and style from the pyvis package (no CDN), source-map line dropped."""
    import pyvis

    folder = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    script = (folder / "vis-network.min.js").read_text(encoding="utf-8")
    script = re.sub(r"//# sourceMappingURL=\S+", "", script)
    style = (folder / "vis-network.css").read_text(encoding="utf-8")
    style = re.sub(r"/\*# sourceMappingURL=\S+ \*/", "", style)
    return script, style


def _json_for_script(value: object) -> str:
    """JSON that cannot end the <script> element it sits in."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _page(title: str, subtitle: str, nodes: list[dict], edges: list[dict], aside: str) -> str:
    net = Network(directed=True, cdn_resources="local")
    net.nodes.extend(nodes)  # directly: add_node is quadratic
    net.edges.extend(edges)
    net.toggle_physics(False)
    options = json.loads(net.options.to_json())
    options.update({
        "physics": {"enabled": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": len(edges) > 1500,
                        "navigationButtons": False, "keyboard": False},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": False}}},
        "nodes": {"borderWidth": 1},
        "layout": {"improvedLayout": False},
    })
    types = {name: style for name, style in NODE_STYLES.items() if any(n["type"] == name for n in net.nodes)}
    data = {"title": title, "subtitle": subtitle, "nodes": net.nodes, "edges": net.edges,
            "options": options, "types": types}
    script, style = _vis_assets()
    values = {"__KG_TITLE__": html.escape(title), "__KG_VIS_CSS__": style, "__KG_VIS_JS__": script,
              "__KG_DATA__": _json_for_script(data), "__KG_ASIDE__": aside}
    template = resource("data", "templates", "network.html").read_text(encoding="utf-8")
    return re.sub("|".join(values), lambda m: values[m.group(0)], template)
