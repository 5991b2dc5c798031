"""Select a subgraph: store + criteria -> a closed graph of events and everything they link.

A selection is a set of events plus, for every entity they reach, its label, types, country and
sameAs links, plus the mention nodes (nif:Phrase) behind each link and the digests the events
come from. It is returned as an `rdflib.Graph` kept in an in-memory Oxigraph store (`oxrdflib`),
so that exporting or drawing tens of thousands of triples never goes through rdflib's Python
triple store; `ox_store(graph)` gives the underlying `pyoxigraph.Store` to modules that need speed.

Speed comes from the store's layout (docs/design.md): every digest graph is self-contained, so
an event, its mentions and the entities it links are all read from that one graph with indexed
pattern lookups, never by scanning the union of all graphs.

Criteria combine with AND, and so do repeated values of one criterion ("Japan AND Korea").
Entities are found by IRI, label, alias or code, case-insensitively. `hops` counts steps in the
drawn network, where events and entities are both nodes: 1 = the entity and its events, 2 = also
everything those events link (the ego network), 3 = also the other events of the persons,
organizations and places reached, 4 = everything those link. Steps beyond the entity's own
events go through persons, organizations and places only: a country, topic or event type links
thousands of events and would swallow the selection.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from oxrdflib._converter import to_ox_quad_pattern
from oxrdflib.store import OxigraphStore
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Identifier

from kg.errors import KGError, QueryError, SelectionError
from kg.iri import AK, ITSRDF, NIF, PREFIXES, SEM, base, mint

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


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Identifier:
    """An Oxigraph term as the rdflib term rdflib's own parsers would make."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


_XSD_STRING = str(XSD.string)


def new_selection_graph() -> Graph:
    """An empty rdflib graph over an in-memory Oxigraph store, with the project's prefixes bound."""
    graph = Graph(store=_SelectionStore(store=ox.Store()), identifier=DATASET_DEFAULT_GRAPH_ID)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def select(store: object, criteria: Criteria | None = None, **options) -> Graph:
    """The closed subgraph of the events matching `criteria` (or the same fields as keywords).

    select(store, entities=["Kishida"], hops=2); select(store, countries=["Japan"],
    event_types=["exercise"], date_from="2023", date_to="2023"); select(store, sparql="SELECT ...").
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
    _copy_events(db, ox_store(graph), sorted(events), allowed, criteria.provenance)
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
    the summary graph). The range is checked here rather than in SPARQL: a GROUP BY subquery
    doing it was orders of magnitude slower on Oxigraph.
    """
    dated = filters is not None and filters.dated()
    if dated:
        query = (f"SELECT ?event ?stamp ?issued WHERE {{ {where} "
                 f"OPTIONAL {{ ?event <{SEM.hasTimeStamp}> ?stamp "
                 f"FILTER(DATATYPE(?stamp) = <{XSD.date}>) }} "
                 f"OPTIONAL {{ ?event <{PROV.wasDerivedFrom}> ?digest . "
                 f"?digest <{DCTERMS.issued}> ?issued }} }}")
    else:
        query = f"SELECT DISTINCT ?event WHERE {{ {where} }}"
    try:
        rows = db.query(query, use_default_graph_as_union=True)
    except (SyntaxError, OSError) as error:  # a bug here, not the user's: say what failed
        raise QueryError(f"selection query failed: {error}") from error
    if not dated:
        return {row["event"].value for row in rows}
    earliest: dict[str, str | None] = {}
    published: dict[str, str] = {}
    for row in rows:
        event, stamp, issued = row["event"].value, row["stamp"], row["issued"]
        known = earliest.get(event)
        if stamp is not None and (known is None or stamp.value < known):
            earliest[event] = stamp.value
        else:
            earliest.setdefault(event, None)
        if issued is not None:
            published[event] = issued.value
    days = {event: day or published.get(event) for event, day in earliest.items()}
    return {event for event, day in days.items() if day and filters.in_range(day)}


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
    """A named graph describing `node` (any digest graph will do: each is self-contained)."""
    for quad in db.quads_for_pattern(node, _TYPE, None):
        if quad.graph_name != summary and isinstance(quad.graph_name, ox.NamedNode):
            return quad.graph_name
    return None


def _copy_events(db: ox.Store, out: ox.Store, events: list[str], allowed: set[str] | None,
                 provenance: bool) -> None:
    """Copy events, their mentions, memberships, digests and linked entities into `out`.

    An event and its mentions and attestations are read from the event's digest graph; an entity
    from the graph describing it (a digest graph, or the store's one graph of entity
    descriptions): either way one graph, never the union that repeats it per digest.
    """
    summary = _N(str(mint("graph", "summary")))
    data_base = base()
    quads: list[ox.Quad] = []
    described: set[str] = set()
    default = ox.DefaultGraph()

    def keep(node: ox.NamedNode | ox.Literal | ox.BlankNode) -> bool:
        return allowed is None or not isinstance(node, ox.NamedNode) or node.value in allowed

    def copy(found: Iterable[ox.Quad]) -> None:
        quads.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in found)

    def describe(node: ox.NamedNode) -> None:
        """An entity's own triples, and those of the entities they point at (its country).
        (A loop, not recursion: a recursive closure would keep the store alive, and locked.)"""
        pending = [node]
        while pending:
            node = pending.pop()
            if node.value in described:
                continue
            described.add(node.value)
            graph = _graph_of(db, node, summary)
            if graph is None:
                continue
            for quad in db.quads_for_pattern(node, None, None, graph):
                quads.append(ox.Quad(quad.subject, quad.predicate, quad.object, default))
                obj = quad.object
                if isinstance(obj, ox.NamedNode) and obj.value.startswith(data_base):
                    pending.append(obj)

    for iri in events:
        event = _N(iri)
        graph = _graph_of(db, event, summary)
        if graph is None:
            continue
        for quad in db.quads_for_pattern(event, None, None, graph):
            if quad.predicate in _LINKS and not keep(quad.object):
                continue
            quads.append(ox.Quad(quad.subject, quad.predicate, quad.object, default))
            if quad.predicate in _LINKS or quad.predicate == _DERIVED_FROM:
                describe(quad.object)
        if provenance and allowed is not None:  # (untrimmed mentions are copied below, in bulk)
            for link in db.quads_for_pattern(None, _REFERENCE_CONTEXT, event, graph):
                # keep a mention only while it still points at something
                mention = [q for q in db.quads_for_pattern(link.subject, None, None, graph)
                           if q.predicate != _IDENT_REF or keep(q.object)]
                if any(q.predicate in (_IDENT_REF, _DATE_VALUE) for q in mention):
                    copy(mention)
        for link in db.quads_for_pattern(None, _ATTESTED_IN, event, graph):
            _copy_membership(db, link.subject, event, graph, summary, keep, copy, describe)
    out.extend(quads)
    if provenance and allowed is None:
        _copy_mentions(db, out, events)


def _copy_membership(db: ox.Store, membership: ox.NamedNode, event: ox.NamedNode, graph: ox.NamedNode,
                     summary: ox.NamedNode, keep, copy, describe) -> None:
    """A role the event attests: the membership's description (member, role, organization) and
    the attestation by this event (from the event's graph)."""
    described_in = _graph_of(db, membership, summary) or graph
    description = [q for q in db.quads_for_pattern(membership, None, None, described_in)
                   if q.predicate not in (_ATTESTED_IN, _ATTESTED_ON)]
    member = next((q.object for q in description if q.predicate == _MEMBER), None)
    if member is None or not keep(member):
        return
    copy(description)
    copy(q for q in db.quads_for_pattern(membership, None, None, graph)
         if q.predicate == _ATTESTED_ON or (q.predicate == _ATTESTED_IN and q.object == event))
    for q in description:
        if q.predicate in (_ROLE, _ORGANIZATION):
            describe(q.object)


def _copy_mentions(db: ox.Store, out: ox.Store, events: list[str], chunk: int = 1000) -> None:
    """Every mention node of the events, copied inside Oxigraph (a CONSTRUCT serialized and
    loaded again), which is faster than handing each quad through Python."""
    for start in range(0, len(events), chunk):
        values = " ".join(f"<{e}>" for e in events[start:start + chunk])
        result = db.query(f"CONSTRUCT {{ ?mention ?p ?o }} WHERE {{ VALUES ?event {{ {values} }} "
                          f"?mention <{NIF.referenceContext}> ?event . ?mention ?p ?o }}",
                          use_default_graph_as_union=True)
        out.load(result.serialize(format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES,
                 to_graph=ox.DefaultGraph())


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
