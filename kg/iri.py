"""Namespaces and `mint`, the one place IRIs are made."""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

DEFAULT_BASE = "https://alliance-kg.org/id/"

AK = Namespace("https://alliance-kg.org/ontology#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
ITSRDF = Namespace("http://www.w3.org/2005/11/its/rdf#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "ak": AK, "sem": SEM, "prov": PROV, "dcterms": DCTERMS, "skos": SKOS, "org": ORG,
    "nif": NIF, "itsrdf": ITSRDF, "owl": OWL, "foaf": FOAF, "rdf": RDF, "rdfs": RDFS,
    "xsd": XSD, "wd": WD,
}


def base() -> str:
    """The data base IRI: `KG_BASE` or the default; always ends with '/' or '#'."""
    return _normalized_base(os.environ.get("KG_BASE", DEFAULT_BASE))


@lru_cache(maxsize=16)
def _normalized_base(value: str) -> str:
    return value if value.endswith(("/", "#")) else value + "/"


_NOT_SLUG = re.compile(r"[^a-z0-9.]+")


# Cached: ingest mints thousands of IRIs from the same few hundred names and keys.
@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """Lower-case ASCII words joined by '-': 'Yasukazu Hamada' -> 'yasukazu-hamada'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-.") or "x"


def mint(kind: str, *parts: str | int, base_iri: str | None = None) -> URIRef:
    """The IRI of a thing; see docs/design.md for the scheme.

    mint("digest", series, volume); mint("event", series, volume, position);
    mint("mention", series, volume, position, begin, end); mint("country", "JP");
    mint("event_type", "CONSULT"); mint("role", title); mint("membership", person_key, title);
    mint("person" | "organization" | "place" | "topic", key); mint("graph", "summary");
    mint("cooccurrence", "person" | "country", key_a, key_b) (order-free);
    mint("monthly_count", iso_country, "YYYY-MM").
    """
    return _mint(kind, parts, base_iri or base())


# Cached: an entity's IRI is minted once per mention of it (rdflib checks each new IRI's syntax).
@lru_cache(maxsize=65536)
def _mint(kind: str, parts: tuple[str | int, ...], root: str) -> URIRef:
    if kind in ("digest", "event", "mention"):
        series, volume, *rest = parts
        path = f"digest/{slug(str(series))}/{volume}"
        if rest:
            path += f"/event/{rest[0]}"
        if kind == "mention":
            path += f"/mention/{rest[1]}-{rest[2]}"
        return URIRef(root + path)
    if kind == "country":
        return URIRef(f"{root}country/{str(parts[0]).upper()}")
    if kind == "event_type":
        return URIRef(f"{root}event-type/{str(parts[0]).lower()}")
    if kind == "role":
        return URIRef(f"{root}role/{slug(str(parts[0]))}")
    if kind == "membership":
        return URIRef(f"{root}membership/{slug(str(parts[0]))}/{slug(str(parts[1]))}")
    if kind == "graph":
        return URIRef(f"{root}graph/{slug(str(parts[0]))}")
    if kind == "cooccurrence":
        category = parts[0]
        key_a, key_b = sorted(str(part) for part in parts[1:])
        return URIRef(f"{root}cooccurrence/{category}/{slug(key_a)}--{slug(key_b)}")
    if kind == "monthly_count":
        return URIRef(f"{root}count/{str(parts[0]).upper()}/{parts[1]}")
    if kind in ("person", "organization", "place", "topic"):
        return URIRef(f"{root}{kind}/{slug(str(parts[0]))}")
    raise ValueError(f"no IRI scheme for {kind!r}")
