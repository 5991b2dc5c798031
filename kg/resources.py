"""Bundled files: `data/` and `ontology/` live at the repository root in a checkout and inside
the package (`kg/data`, `kg/ontology`) in an installed wheel."""

from __future__ import annotations

from pathlib import Path

from kg.errors import KGError

_PACKAGE = Path(__file__).resolve().parent


def resource(*parts: str) -> Path:
    """Path of a bundled file or folder, e.g. `resource("data", "vocab", "persons.toml")`."""
    for root in (_PACKAGE, _PACKAGE.parent):
        path = root.joinpath(*parts)
        if path.exists():
            return path
    raise KGError(f"bundled file missing: {'/'.join(parts)} (is the package installed completely?)")
