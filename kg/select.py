"""Select a subgraph: store + criteria -> a closed graph of events and everything they link.

A selection is a set of events plus, for every entity they reach, its label, types, country and
sameAs links, plus the mention nodes (nif:Phrase) behind each link and the digests the events
come from. It is returned as an `rdflib.Graph` kept in an in-memory Oxigraph store (`oxrdflib`),
so that exporting or drawing tens of thousands of triples never goes through rdflib's Python
triple store; `ox_store(graph)` gives the underlying `pyoxigraph.Store` to modules that need speed.

Speed: the events are found first with selective patterns (a date range through the dates and
the digests' publication dates, not by dating every event of a country), then copied with a few
CONSTRUCT queries keyed on their IRIs, evaluated and serialized by Oxigraph and loaded into the
selection without a Python object per triple. Reading the store's terms back (Oxigraph decodes
each from its string table) is what the rest costs. Each entity's description is read from one
graph: the entities graph, or in a store whose digest graphs carry their own copies, one of those.

Criteria combine with AND, and so do repeated values of one criterion ("Japan AND Korea").
Entities are found by IRI, label, alias or code, case-insensitively. `hops` counts steps in the
drawn network, where events and entities are both nodes: 1 = the entity and its events, 2 = also
everything those events link (the ego network), 3 = also the other events of the persons,
organizations and places reached, 4 = everything those link. Steps beyond the entity's own
events go through persons, organizations and places only: a country, topic or event type links
thousands of events and would swallow the selection.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from oxrdflib._converter import to_ox_quad_pattern
from oxrdflib.store import OxigraphStore
from rdflib import Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.errors import KGError, QueryError, SelectionError
from kg.iri import AK, ITSRDF, NIF, PREFIXES, SEM, base, mint
from kg.store import to_rdflib

MAX_HOPS = 4
MAX_EXPANDED_EVENTS = 5000  # hops beyond an entity's own events stop here, with a message

_N = ox.NamedNode
_TYPE = _N(str(RDF.type))
_EVENT = _N(str(SEM.Event))
_DERIVED_FROM = _N(str(PROV.wasDerivedFrom))
_REFERENCE_CONTEXT = _N(str(NIF.referenceContext))
_IDENT_REF = _N(str(ITSRDF.taIdentRef))
_DATE_VALUE = _N(str(AK.dateValue))
_ATTESTED_IN = _N(str(AK.attestedIn))
_ATTESTED_ON = _N(str(AK.attestedOn))
_MEMBER = _N(str(ORG.member))
_ROLE = _N(str(ORG.role))
_ORGANIZATION = _N(str(ORG.organization))

# Event -> entity links, the edges of the drawn network.
LINK_PREDICATES = {
    str(SEM.hasActor): "actor",
    str(SEM.hasPlace): "place",
    str(AK.involvesCountry): "country",
    str(DCTERMS.subject): "topic",
    str(SEM.eventType): "event type",
}
_LINKS = [_N(p) for p in LINK_PREDICATES]
# Links that hops beyond an entity's own events may travel through (not hubs).
_PATH_LINKS = [_N(str(SEM.hasActor)), _N(str(SEM.hasPlace))]
_ENTITY_TYPES = {
    str(FOAF.Person): "person",
    str(ORG.Organization): "organization",
    str(AK.Country): "country",
    str(SEM.Place): "place",
    str(SKOS.Concept): "concept",
    str(ORG.Role): "role",
}
# Predicates under which an entity is known by name.
_NAME_PREDICATES = [str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.notation)]
_PREFIX_LINES = "".join(f"PREFIX {name}: <{ns}>\n" for name, ns in PREFIXES.items())


@dataclass
class Criteria:
    """What to select; every field narrows the selection (AND)."""

    entities: list[str] = field(default_factory=list)
    hops: int = 2
    countries: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    sparql: str | None = None
    provenance: bool = True

    def describe(self) -> str:
        parts = [f"entity {e!r}" for e in self.entities]
        parts += [f"country {c!r}" for c in self.countries]
        parts += [f"topic {t!r}" for t in self.topics]
        parts += [f"event type {t!r}" for t in self.event_types]
        parts += [f"digest {d!r}" for d in self.digests]
        if self.date_from or self.date_to:
            parts.append(f"dates {self.date_from or '...'} to {self.date_to or '...'}")
        if self.sparql:
            parts.append("the query")
        return " AND ".join(parts) or "everything"


def ox_store(store: object) -> ox.Store:
    """The `pyoxigraph.Store` behind a kg store object, an oxrdflib-backed graph, or a store itself."""
    if isinstance(store, ox.Store):
        return store
    if isinstance(store, Graph) and isinstance(store.store, OxigraphStore):
        return store.store._inner
    for name in ("ox", "oxigraph", "inner", "store", "_store"):
        inner = getattr(store, name, None)
        if isinstance(inner, ox.Store):
            return inner
    raise KGError(f"not a store: {type(store).__name__}")


class _SelectionStore(OxigraphStore):
    """oxrdflib's store, giving plain strings back as rdflib's plain literals (not ^^xsd:string),
    so a selection compares equal to the same triples parsed by rdflib."""

    def triples(self, triple_pattern, context=None):
        pattern = to_ox_quad_pattern(triple_pattern, context)
        try:
            quads = self._inner.quads_for_pattern(*pattern)
        except (TypeError, ValueError):
            return iter(())
        return (((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)), iter((None,)))
                for q in quads)




def new_selection_graph() -> Graph:
    """An empty rdflib graph over an in-memory Oxigraph store, with the project's prefixes bound."""
    graph = Graph(store=_SelectionStore(store=ox.Store()), identifier=DATASET_DEFAULT_GRAPH_ID)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def select(store: object, criteria: Criteria | None = None, *, drawing: bool = False, **options) -> Graph:
    """The closed subgraph of the events matching `criteria` (or the same fields as keywords).

    select(store, entities=["Kishida"], hops=2); select(store, countries=["Japan"],
    event_types=["exercise"], date_from="2023", date_to="2023"); select(store, sparql="SELECT ...").
    `drawing=True` copies only what a network page draws (the events' labels, texts, dates and
    digests, the entities' labels and types): less to read, for the page views.
    Raises SelectionError for an unknown entity or an empty selection.
    """
    criteria = criteria or Criteria(**options)
    db = ox_store(store)
    if not 1 <= criteria.hops <= MAX_HOPS:
        raise SelectionError(f"hops must be between 1 and {MAX_HOPS}, not {criteria.hops}.")
    seeds = [_resolve_entity(db, ref) for ref in criteria.entities]
    if criteria.sparql:
        query_seeds, constructed = _run_selection_query(db, criteria.sparql)
        if constructed is not None:
            if any((criteria.entities, criteria.countries, criteria.topics, criteria.event_types,
                    criteria.digests, criteria.date_from, criteria.date_to)):
                raise SelectionError("a CONSTRUCT query is a selection of its own; "
                                     "combine other criteria inside the query.")
            return _close_constructed(db, constructed)
        if not query_seeds:
            raise SelectionError("the query returned no IRIs to select by.")
        seeds.append(query_seeds)
    filters = _event_filters(db, criteria)

    allowed: set[str] | None = None  # entities the induced subgraph keeps; None = all
    if seeds:
        events = _events_linking(db, seeds, filters)
        if criteria.hops == 1:
            allowed = {s.value for group in seeds for s in group}
        elif criteria.hops >= 3 and events:
            if criteria.hops == 3:
                allowed = {s.value for group in seeds for s in group} | _linked(db, events, _LINKS)
            reached = [_N(x) for x in sorted(_linked(db, events, _PATH_LINKS, skip=str(AK.Country)))]
            if reached:
                events = events | _events_linking(db, [reached], filters, any_of=True)
            if len(events) > MAX_EXPANDED_EVENTS:
                raise SelectionError(
                    f"{criteria.hops} hops from {', '.join(map(repr, criteria.entities)) or 'the seeds'} "
                    f"reach {len(events)} events (more than {MAX_EXPANDED_EVENTS}): use fewer hops, "
                    "or narrow them with --country, --topic, --event-type or --from/--to.")
    else:
        events = _events_matching(db, filters)
    if not events:
        raise SelectionError(f"no events match {criteria.describe()}.")
    graph = new_selection_graph()
    _copy_events(db, ox_store(graph), sorted(events), allowed, criteria.provenance, drawing)
    return graph


# --- finding entities --------------------------------------------------------------------------


def resolve(store: object, reference: str, kinds: Sequence[str] = ()) -> list[URIRef]:
    """The entities an IRI, label, alias or code names (case-insensitive); [] if none.

    `kinds` restricts the rdf:types accepted, as IRIs (e.g. `str(AK.Country)`).
    """
    return [URIRef(node.value) for node in _find(ox_store(store), reference, kinds)]


def _find(db: ox.Store, reference: str, kinds: Sequence[str] = ()) -> list[ox.NamedNode]:
    reference = reference.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*:[^\s]*$", reference, re.I) and "/" in reference:
        node = _N(reference)
        return [node] if _has_type(db, node, kinds) else []
    found = _by_name(db, _spellings(reference), kinds)
    if not found and re.fullmatch(r"[\w.-]+", reference):  # a key or code: "yasukazu-hamada", "JP"
        keyed = [mint(kind, reference) for kind in ("person", "organization", "place", "topic")]
        if re.fullmatch(r"[A-Za-z]{2}", reference):
            keyed.append(mint("country", reference))
        keyed.append(mint("event_type", reference))
        found = [_N(str(k)) for k in keyed if _has_type(db, _N(str(k)), kinds)]
    if not found:  # a spelling we did not guess: compare lower-cased names (slower, scans names)
        found = _by_name_scan(db, reference.lower(), kinds)
    return found


def _resolve_entity(db: ox.Store, reference: str, kinds: Sequence[str] = (), what: str = "entity",
                    ) -> list[ox.NamedNode]:
    found = _find(db, reference, kinds)
    if not found:
        raise SelectionError(f"no {what} is called {reference!r}.", _nearest(db, reference, kinds))
    return found


def _spellings(text: str) -> list[str]:
    small = {"of", "and", "the", "for", "on", "in", "to", "a"}
    styled = " ".join(w if i and w in small else w[:1].upper() + w[1:]
                      for i, w in enumerate(text.lower().split()))
    return list(dict.fromkeys([text, text.lower(), text.upper(), text.title(), text.capitalize(), styled]))


def _has_type(db: ox.Store, node: ox.NamedNode, kinds: Sequence[str]) -> bool:
    if not kinds:
        return next(iter(db.quads_for_pattern(node, _TYPE, None)), None) is not None
    return any(next(iter(db.quads_for_pattern(node, _TYPE, _N(k))), None) for k in kinds)


def _by_name(db: ox.Store, spellings: Iterable[str], kinds: Sequence[str]) -> list[ox.NamedNode]:
    """Nodes with one of these exact names. One constant pattern per (property, spelling): joined
    through VALUES, Oxigraph scanned every name in the store instead."""
    predicates = [*_NAME_PREDICATES, str(AK.volume)]
    branches = " UNION ".join(f"{{ ?x <{p}> {ox.Literal(name)} }}" for p in predicates for name in spellings)
    rows = db.query(f"SELECT DISTINCT ?x WHERE {{ {branches} }}", use_default_graph_as_union=True)
    return sorted((row["x"] for row in rows if _has_type(db, row["x"], kinds)), key=lambda n: n.value)


def _entity_names(db: ox.Store, kinds: Sequence[str]) -> dict[str, set[str]]:
    """Every name (label, alias, code) of every entity, lower-cased -> (written form, IRI) pairs.

    Entities are listed from the summary graph (one ak:eventCount each) and each is read from
    one digest graph: the union of all graphs repeats every entity once per digest.
    """
    summary = _N(str(mint("graph", "summary")))
    entities = {q.subject for q in db.quads_for_pattern(None, _N(str(AK.eventCount)), None, summary)}
    if not entities:  # no summary graph (a store written by hand): scan the types
        kinds_values = " ".join(f"<{k}>" for k in (kinds or _ENTITY_TYPES))
        query = f"SELECT DISTINCT ?x WHERE {{ VALUES ?type {{ {kinds_values} }} ?x a ?type }}"
        entities = {row["x"] for row in db.query(query, use_default_graph_as_union=True)}
    names: dict[str, set] = {}
    wanted = {_N(p) for p in _NAME_PREDICATES}
    for entity in entities:
        graph = _graph_of(db, entity, summary)
        if graph is None or not _has_type(db, entity, kinds):
            continue
        for quad in db.quads_for_pattern(entity, None, None, graph):
            if quad.predicate in wanted:
                names.setdefault(quad.object.value.lower(), set()).add((quad.object.value, entity.value))
    return names


def _by_name_scan(db: ox.Store, lowered: str, kinds: Sequence[str]) -> list[ox.NamedNode]:
    found = {iri for _, iri in _entity_names(db, kinds).get(lowered, ())}
    return [_N(iri) for iri in sorted(found)]


def _nearest(db: ox.Store, reference: str, kinds: Sequence[str] = ()) -> list[str]:
    """The names closest to a reference that matched nothing, for the error message."""
    by_lower = {lower: sorted(forms)[0][0] for lower, forms in _entity_names(db, kinds).items()}
    close = difflib.get_close_matches(reference.lower(), list(by_lower), n=5, cutoff=0.5)
    if not close:  # a part of a name: "Kishi" for "Fumio Kishida"
        close = sorted(n for n in by_lower if reference.lower() in n)[:5]
    return [by_lower[name] for name in close]


# --- finding events ----------------------------------------------------------------------------


@dataclass
class _Filters:
    """Graph patterns over ?event, and a date range, that every selected event must satisfy."""

    patterns: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None

    def where(self, head: str = "") -> str:
        body = head + " ".join(self.patterns)
        # Only events carry the link predicates: the type is needed only when nothing else binds ?event.
        return body if body.strip() else f"?event a <{SEM.Event}> ."

    def dated(self) -> bool:
        return bool(self.date_from or self.date_to)

    def in_range(self, day: str) -> bool:
        """Partial dates compare at their own precision: '2022-09' is in 2022-09-15..2022-12-31."""
        low, high = self.date_from or "0000", self.date_to or "9999"
        return low[:len(day)] <= day <= high[:len(day)]


def _event_filters(db: ox.Store, criteria: Criteria) -> _Filters:
    filters = _Filters(date_from=_date_bound(criteria.date_from, start=True),
                       date_to=_date_bound(criteria.date_to, start=False))
    groups = (
        (criteria.countries, str(AK.involvesCountry), [str(AK.Country)], "country"),
        (criteria.topics, str(DCTERMS.subject), [str(SKOS.Concept)], "topic"),
        (criteria.event_types, str(SEM.eventType), [str(SKOS.Concept)], "event type"),
        (criteria.digests, str(PROV.wasDerivedFrom), [str(AK.Digest)], "digest"),
    )
    for references, predicate, kinds, what in groups:
        for reference in references:
            nodes = _resolve_entity(db, reference, kinds, what)
            if len(nodes) == 1:  # a constant is planned far better than a one-row VALUES
                filters.patterns.append(f"?event <{predicate}> {nodes[0]} .")
                continue
            values = " ".join(str(n) for n in nodes)
            filters.patterns.append(f"{{ VALUES ?o{len(filters.patterns)} {{ {values} }} "
                                    f"?event <{predicate}> ?o{len(filters.patterns)} }}")
    return filters


def _date_bound(value: str | None, start: bool) -> str | None:
    """'2023' -> '2023-01-01' as a start, '2023-12-31' as an end; checks the form."""
    if value is None:
        return None
    value = value.strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise SelectionError(f"{value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.")
    if len(value) == 4:
        return value + ("-01-01" if start else "-12-31")
    if len(value) == 7:
        return value + ("-01" if start else "-31")
    return value


def _select_events(db: ox.Store, where: str, filters: _Filters | None = None) -> set[str]:
    """The events the graph pattern `where` binds to ?event, within the filters' date range.

    The date of an event is its earliest full date, else its digest's publication date (as in
    the summary graph). A date range first narrows the events to candidates cheaply found by
    date (a full date in the range, or a digest published in its years), then each candidate's
    date is worked out here: a GROUP BY subquery doing it was orders of magnitude slower.
    """
    dated = filters is not None and filters.dated()
    if dated:
        candidates = _date_candidates(db, filters)
        if not candidates:
            return set()
        # EXISTS: checked per candidate; as a join, Oxigraph looped over all the pattern's events
        values = " ".join(f"<{e}>" for e in sorted(candidates))
        where = f"VALUES ?event {{ {values} }} FILTER EXISTS {{ {where} }}"
    try:
        events = {row["event"].value
                  for row in db.query(f"SELECT DISTINCT ?event WHERE {{ {where} }}",
                                      use_default_graph_as_union=True)}
    except (SyntaxError, OSError) as error:  # a bug here, not the user's: say what failed
        raise QueryError(f"selection query failed: {error}") from error
    if not dated or not events:
        return events
    earliest: dict[str, str] = {}
    published: dict[str, str] = {}
    for chunk in _chunks(sorted(events)):
        values = " ".join(f"<{e}>" for e in chunk)
        for row in db.query(f"""SELECT ?event ?stamp ?issued WHERE {{ VALUES ?event {{ {values} }}
                OPTIONAL {{ ?event <{SEM.hasTimeStamp}> ?stamp FILTER(DATATYPE(?stamp) = <{XSD.date}>) }}
                OPTIONAL {{ ?event <{PROV.wasDerivedFrom}> ?digest . ?digest <{DCTERMS.issued}> ?issued }}
                }}""", use_default_graph_as_union=True):
            event, stamp, issued = row["event"].value, row["stamp"], row["issued"]
            if stamp is not None and (event not in earliest or stamp.value < earliest[event]):
                earliest[event] = stamp.value
            if issued is not None:
                published[event] = issued.value
    days = {event: earliest.get(event) or published.get(event) for event in events}
    return {event for event, day in days.items() if day and filters.in_range(day)}


def _date_candidates(db: ox.Store, filters: _Filters) -> set[str]:
    """The events that may fall in the date range: those with a full date in it, and those of
    digests published in its years (partial dates like "2022-09" included)."""
    low, high = _real_day(filters.date_from or "0001-01-01"), _real_day(filters.date_to or "9999-12-31")
    stamped = (f"SELECT DISTINCT ?event WHERE {{ ?event <{SEM.hasTimeStamp}> ?day "
               f"FILTER(?day >= {ox.Literal(low, datatype=_N(str(XSD.date)))} "
               f"&& ?day <= {ox.Literal(high, datatype=_N(str(XSD.date)))}) }}")
    published = (f"SELECT DISTINCT ?event WHERE {{ ?digest <{DCTERMS.issued}> ?issued "
                 f"FILTER(STR(?issued) >= {ox.Literal(low[:4])} && STR(?issued) <= {ox.Literal(high)}) "
                 f"?event <{PROV.wasDerivedFrom}> ?digest }}")
    return {row["event"].value for query in (stamped, published)
            for row in db.query(query, use_default_graph_as_union=True)}


def _real_day(day: str) -> str:
    """'2023-02-31' (the end of a month as _date_bound writes it) -> '2023-02-28'."""
    year, month, number = (int(part) for part in day.split("-"))
    return f"{year:04d}-{month:02d}-{min(number, calendar.monthrange(year, month)[1]):02d}"


def _events_matching(db: ox.Store, filters: _Filters) -> set[str]:
    return _select_events(db, filters.where(), filters)


def _events_linking(db: ox.Store, seed_groups: list[list[ox.NamedNode]], filters: _Filters,
                    any_of: bool = False) -> set[str]:
    """Events linking one node of every group (an event or digest seed selects itself / its events)."""
    if any_of and not seed_groups[0]:
        return set()
    links = " ".join(str(p) for p in (_PATH_LINKS if any_of else _LINKS))
    head = ""
    for i, group in enumerate(seed_groups):
        # One pattern per kind of seed present; a UNION of all three kinds is far slower.
        kinds = {"event": [], "digest": [], "entity": []}
        for node in group:
            kind = ("event" if _has_type(db, node, [str(SEM.Event)]) else
                    "digest" if _has_type(db, node, [str(AK.Digest)]) else "entity")
            kinds[kind].append(str(node))
        branches = []
        if kinds["entity"]:
            branches.append(f"VALUES ?seed{i} {{ {' '.join(kinds['entity'])} }} "
                            f"VALUES ?link{i} {{ {links} }} ?event ?link{i} ?seed{i} .")
        if kinds["digest"]:
            branches.append(f"VALUES ?digest{i} {{ {' '.join(kinds['digest'])} }} "
                            f"?event <{PROV.wasDerivedFrom}> ?digest{i} .")
        if kinds["event"]:
            branches.append(f"VALUES ?event {{ {' '.join(kinds['event'])} }}")
        head += "{ " + " } UNION { ".join(branches) + " } " if len(branches) > 1 else branches[0] + " "
    return _select_events(db, filters.where(head), filters)


def _linked(db: ox.Store, events: set[str], links: list[ox.NamedNode], skip: str | None = None) -> set[str]:
    """The entities the events link through `links`, leaving out those of rdf:type `skip`."""
    reached = set()
    for event in events:
        for link in links:
            for quad in db.quads_for_pattern(_N(event), link, None):
                node = quad.object
                if isinstance(node, ox.NamedNode) and not (skip and _has_type(db, node, [skip])):
                    reached.add(node.value)
    return reached


def _run_selection_query(db: ox.Store, sparql: str) -> tuple[list[ox.NamedNode], list | None]:
    """A SELECT's IRIs become seeds; a CONSTRUCT's triples are the selection."""
    try:
        result = db.query(sparql, use_default_graph_as_union=True, prefixes=_prefix_map())
    except SyntaxError as error:
        raise QueryError(f"the selection query does not parse: {error}") from error
    if isinstance(result, ox.QuerySolutions):
        seeds = {term.value for row in result for term in row if isinstance(term, ox.NamedNode)}
        return [_N(s) for s in sorted(seeds)], None
    if isinstance(result, ox.QueryTriples):
        return [], list(result)
    raise SelectionError("an ASK query selects nothing: use SELECT or CONSTRUCT.")


def _prefix_map() -> dict[str, str]:
    return {name: str(ns) for name, ns in PREFIXES.items()}


# --- copying the closed subgraph ---------------------------------------------------------------


def _graph_of(db: ox.Store, node: ox.NamedNode, summary: ox.NamedNode) -> ox.NamedNode | None:
    """A named graph describing `node` (the entities graph, or a digest graph holding its copy)."""
    for quad in db.quads_for_pattern(node, _TYPE, None):
        if quad.graph_name != summary and isinstance(quad.graph_name, ox.NamedNode):
            return quad.graph_name
    return None


def _copy_events(db: ox.Store, out: ox.Store, events: list[str], allowed: set[str] | None,
                 provenance: bool, drawing: bool = False) -> None:
    """Copy events, their mentions, memberships, digests and linked entities into `out`.

    Two CONSTRUCT queries evaluated and serialized by Oxigraph, loaded into `out` without any
    Python object per triple: the events' own triples (with their mentions and attestations),
    read from their digest graphs; then the descriptions of what they link, each read from one
    graph (the entities graph, or in a store whose digest graphs still carry their own copies,
    the digest graph of an event linking it), so a description is copied once, not once per graph.
    """
    for chunk in _chunks(events):
        _load(out, db.query(_event_query(chunk, provenance, drawing), use_default_graph_as_union=True))
    if allowed is not None:
        _trim(db, out, allowed)
    done: set[str] = set()
    pending = _description_pairs(db, out)
    while pending:  # entities; then what their descriptions point at (a place's country, ...)
        done.update(node for node, _ in pending)
        for chunk in _chunks(pending):
            _load(out, db.query(_description_query(chunk, drawing)))
        pending = _onward_pairs(out, dict(pending), done)


def _chunks(items: list, size: int = 2000) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _load(out: ox.Store, triples: ox.QueryTriples) -> None:
    out.load(triples.serialize(format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES,
             to_graph=ox.DefaultGraph())


_DRAWN_EVENT_PREDICATES = [RDF.type, RDFS.label, DCTERMS.description, SEM.hasTimeStamp,
                           PROV.wasDerivedFrom, *map(URIRef, LINK_PREDICATES)]
_DRAWN_DESCRIPTION_PREDICATES = [RDF.type, RDFS.label, SKOS.prefLabel, DCTERMS.title, DCTERMS.issued]


def _event_query(events: list[str], provenance: bool, drawing: bool = False) -> str:
    """Events' triples, their mention nodes and their attestations, from their digest graphs."""
    values = " ".join(f"<{e}>" for e in events)
    own = "?event ?p ?o"
    if drawing:
        own += f" FILTER(?p IN ({', '.join(f'<{p}>' for p in _DRAWN_EVENT_PREDICATES)}))"
    mentions = f"UNION {{ ?s <{NIF.referenceContext}> ?event . ?s ?p ?o }}" if provenance else ""
    attestations = "" if drawing else f"""
          UNION {{ ?s <{AK.attestedIn}> ?event BIND(<{AK.attestedIn}> AS ?p) BIND(?event AS ?o) }}
          UNION {{ ?s <{AK.attestedIn}> ?event ; <{AK.attestedOn}> ?o BIND(<{AK.attestedOn}> AS ?p) }}"""
    # GRAPH ?digest: the union would read each attestation once per graph holding its membership
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
        VALUES ?event {{ {values} }} ?event <{PROV.wasDerivedFrom}> ?digest .
        GRAPH ?digest {{ {{ {own} BIND(?event AS ?s) }} {mentions} {attestations} }} }}"""


def _trim(db: ox.Store, out: ox.Store, allowed: set[str]) -> None:
    """Keep only the links to `allowed` entities, the mentions still pointing at something and
    the attestations of kept persons' memberships (in the small in-memory selection: per quad
    is cheap there)."""
    for attested in list(out.quads_for_pattern(None, _ATTESTED_IN, None)):
        membership = attested.subject
        member = next(iter(db.quads_for_pattern(membership, _MEMBER, None)), None)
        if member is None or member.object.value not in allowed:
            for quad in list(out.quads_for_pattern(membership, None, None)):
                out.remove(quad)
    drop = [q for link in _LINKS for q in out.quads_for_pattern(None, link, None)
            if isinstance(q.object, ox.NamedNode) and q.object.value not in allowed]
    drop += [q for q in out.quads_for_pattern(None, _IDENT_REF, None) if q.object.value not in allowed]
    for quad in drop:
        out.remove(quad)
    for context in list(out.quads_for_pattern(None, _REFERENCE_CONTEXT, None)):
        mention = context.subject
        if not any(True for p in (_IDENT_REF, _DATE_VALUE) for _ in out.quads_for_pattern(mention, p, None)):
            for quad in list(out.quads_for_pattern(mention, None, None)):
                out.remove(quad)


def _description_pairs(db: ox.Store, out: ox.Store) -> list[tuple[str, str]]:
    """(node, graph describing it) for every entity, membership and digest the copied events
    reach. Memberships are kept for allowed (i.e. still linked) persons only."""
    entities_graph = _N(str(mint("graph", "entities")))
    shared = next(iter(db.quads_for_pattern(None, None, None, entities_graph)), None) is not None
    digest_of = {q.subject.value: q.object.value for q in out.quads_for_pattern(None, _DERIVED_FROM, None)}
    pairs: dict[str, str] = {}
    for digest in digest_of.values():
        pairs[digest] = digest
    linked: dict[str, str] = {}
    for link in _LINKS:
        for quad in out.quads_for_pattern(None, link, None):
            if isinstance(quad.object, ox.NamedNode):
                linked.setdefault(quad.object.value, digest_of.get(quad.subject.value, ""))
    for attested in out.quads_for_pattern(None, _ATTESTED_IN, None):
        linked.setdefault(attested.subject.value, digest_of.get(attested.object.value, ""))
    for node, digest in linked.items():
        pairs[node] = entities_graph.value if shared else digest
    return [(node, graph) for node, graph in pairs.items() if graph]


def _description_query(pairs: list[tuple[str, str]], drawing: bool = False) -> str:
    """What describes the nodes, each from one graph (attestations are copied with the events)."""
    values = " ".join(f"(<{node}> <{graph}>)" for node, graph in pairs)
    wanted = (f"?p IN ({', '.join(f'<{p}>' for p in _DRAWN_DESCRIPTION_PREDICATES)})" if drawing
              else f"?p != <{AK.attestedIn}> && ?p != <{AK.attestedOn}>")
    return f"""CONSTRUCT {{ ?node ?p ?o }} WHERE {{ VALUES (?node ?graph) {{ {values} }}
        GRAPH ?graph {{ ?node ?p ?o FILTER({wanted}) }} }}"""


_ONWARD = [_N(str(p)) for p in (AK.country, AK.nationality, ORG.role, ORG.organization)]


def _onward_pairs(out: ox.Store, described: dict[str, str], done: set[str]) -> list[tuple[str, str]]:
    """The nodes the just copied descriptions point at, not yet described, with the graph of the
    description pointing at them (it describes them too)."""
    pairs = {}
    for node, graph in described.items():
        for predicate in _ONWARD:
            for quad in out.quads_for_pattern(_N(node), predicate, None):
                target = quad.object.value
                if target not in done:
                    pairs.setdefault(target, graph)
    return list(pairs.items())


def _close_constructed(db: ox.Store, triples: list) -> Graph:
    """A CONSTRUCT result plus the label, types, country and sameAs of every entity in it."""
    if not triples:
        raise SelectionError("the CONSTRUCT query produced no triples.")
    graph = new_selection_graph()
    out = ox_store(graph)
    default = ox.DefaultGraph()
    out.extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in triples)
    summary = _N(str(mint("graph", "summary")))
    data_base = base()
    nodes = {term for t in triples for term in (t.subject, t.object)
             if isinstance(term, ox.NamedNode) and term.value.startswith(data_base)}
    entity_predicates = {_N(p) for p in [str(RDF.type), *_NAME_PREDICATES, str(OWL.sameAs),
                                         str(AK.country), str(AK.nationality)]}
    for node in nodes:
        graph_name = _graph_of(db, node, summary)
        if graph_name is None or next(iter(db.quads_for_pattern(node, _TYPE, _EVENT)), None):
            continue
        out.extend(ox.Quad(q.subject, q.predicate, q.object, default)
                   for q in db.quads_for_pattern(node, None, None, graph_name)
                   if q.predicate in entity_predicates)
    return graph


def events_in(graph: Graph) -> Iterator[str]:
    """The IRIs of the events in a selection."""
    for quad in ox_store(graph).quads_for_pattern(None, _TYPE, _EVENT):
        yield quad.subject.value
