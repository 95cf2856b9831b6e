"""Coverage: which catalogue cases the harness implements, per certification profile and block.

The harness is measured against the official case lists, so "what is missing for Core on a
2.0.1 station" must be answerable from the catalogue alone; this module joins the catalogue with
the set of implemented ids (the `@testcase` registry) and renders it for people (`render_table`)
and for tooling (`render_json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from conformance.catalogue.entries import (
    NO_PROFILE,
    ROLES,
    VERSIONS,
    Catalogue,
    Entry,
    profile_name_matches,
)

IMPLEMENTED = "implemented"
NOT_IMPLEMENTED = "not implemented"


@dataclass(frozen=True)
class CoverageRow:
    """One catalogue case and whether a `@testcase` implements it."""

    entry: Entry
    implemented: bool

    @property
    def status(self) -> str:
        """`"implemented"` or `"not implemented"`, the words both renderers print."""
        return IMPLEMENTED if self.implemented else NOT_IMPLEMENTED


@dataclass(frozen=True)
class Count:
    """Implemented / total for one group of cases."""

    implemented: int
    total: int

    @property
    def percent(self) -> float:
        """Share implemented, 0..100 (0 for an empty group rather than a division error)."""
        return 100.0 * self.implemented / self.total if self.total else 0.0


@dataclass(frozen=True)
class CoverageReport:
    """The rows and their counts, for the filters given to `coverage()`.

    Keys: `by_profile[(version, role, profile)]`, `by_block[(version, role, block)]`,
    `totals[(version, role)]`. A case in two profiles counts in both; a case in none counts as
    `"(none)"`. `unknown` lists implemented ids the catalogue does not know (a typo in a
    `@testcase` id would otherwise just look like missing coverage).
    """

    rows: tuple[CoverageRow, ...]
    by_profile: Mapping[tuple[str, str, str], Count]
    by_block: Mapping[tuple[str, str, str], Count]
    totals: Mapping[tuple[str, str], Count]
    unknown: tuple[str, ...]
    filters: Mapping[str, str | None]

    @property
    def implemented(self) -> int:
        return sum(r.implemented for r in self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)


def _profile_order(profile: str) -> tuple[int, str]:
    """Core first (what everyone certifies), then alphabetical, "(none)" last, as counts.txt."""
    rank = 0 if profile == "Core" else 2 if profile == NO_PROFILE else 1
    return (rank, profile)


def _tally(counts: dict[Any, list[int]], key: Any, done: bool) -> None:
    slot = counts.setdefault(key, [0, 0])
    slot[0] += done
    slot[1] += 1


def _freeze(counts: dict[Any, list[int]]) -> MappingProxyType[Any, Count]:
    return MappingProxyType({k: Count(i, t) for k, (i, t) in counts.items()})


def coverage(
    catalogue: Catalogue,
    implemented: Iterable[str],
    *,
    version: str | None = None,
    role: str | None = None,
    profile: str | None = None,
    block: str | None = None,
) -> CoverageReport:
    """Join the catalogue (filtered like `Catalogue.entries`) with the implemented ids.

    `implemented` holds catalogue ids; a bare id marks the entry `catalogue.get(id)` resolves to
    (2.0.1 for ids shared with 2.1), a qualified `"2.1:TC_B_01_CS"` marks that version's entry.
    With a `profile` filter the profile table shows only that profile: the other profiles of
    multi-profile cases would otherwise appear with partial, misleading totals.
    """
    done = set(implemented)
    unknown = tuple(sorted(i for i in done if catalogue.get(i) is None))

    def is_done(e: Entry) -> bool:
        return e.key in done or (e.id in done and catalogue.get(e.id) is e)

    selected = catalogue.entries(version=version, role=role, profile=profile, block=block)
    selected.sort(key=lambda e: (VERSIONS.index(e.version), ROLES.index(e.role)))
    rows = tuple(CoverageRow(e, is_done(e)) for e in selected)

    totals: dict[Any, list[int]] = {}
    blocks: dict[Any, list[int]] = {}
    profiles: dict[Any, list[int]] = {}
    for row in rows:
        e = row.entry
        _tally(totals, (e.version, e.role), row.implemented)
        _tally(blocks, (e.version, e.role, e.block), row.implemented)
        for p in e.profiles or (NO_PROFILE,):
            if profile is None or profile_name_matches(p, profile):
                _tally(profiles, (e.version, e.role, p), row.implemented)
    profile_keys = sorted(
        profiles,
        key=lambda k: (VERSIONS.index(k[0]), ROLES.index(k[1]), _profile_order(k[2])),
    )
    return CoverageReport(
        rows=rows,
        by_profile=_freeze({k: profiles[k] for k in profile_keys}),
        by_block=_freeze(blocks),
        totals=_freeze(totals),
        unknown=unknown,
        filters=MappingProxyType(
            {
                "version": version,
                "role": role and role.upper(),
                "profile": profile,
                "block": block,
            }
        ),
    )


def _columns(header: list[str], lines: list[list[str]], right: set[int]) -> list[str]:
    """Aligned plain-text columns; `right` holds the indexes of numeric columns."""
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    out = []
    for r in [header, *lines]:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


def _count_cells(c: Count) -> list[str]:
    return [str(c.implemented), str(c.total), f"{c.percent:.1f}%"]


def render_table(report: CoverageReport) -> str:
    """Per-case lines grouped by version and role, then the per-profile and per-block tables."""
    active = {k: v for k, v in report.filters.items() if v is not None}
    title = "Catalogue coverage"
    if active:
        title += " (" + ", ".join(f"{k}={v}" for k, v in active.items()) + ")"
    out = [title, f"{report.implemented} of {report.total} cases implemented", ""]
    if not report.rows:
        out.append("no catalogue case matches the filters")
        return "\n".join(out) + "\n"

    id_w = max(len(r.entry.id) for r in report.rows)
    status_w = len(NOT_IMPLEMENTED)
    group: tuple[str, str] | None = None
    for row in report.rows:
        e = row.entry
        if (e.version, e.role) != group:
            group = (e.version, e.role)
            c = report.totals[group]
            if len(out) > 3:
                out.append("")
            out.append(f"OCPP {e.version} {e.role}: {c.implemented} of {c.total} implemented")
        out.append(f"{e.id.ljust(id_w)}  {row.status.ljust(status_w)}  {e.title}")

    num = {3, 4, 5}
    out += ["", "Per certification profile"]
    out += _columns(
        ["version", "role", "profile", "implemented", "total", "%"],
        [[v, r, p, *_count_cells(c)] for (v, r, p), c in report.by_profile.items()],
        num,
    )
    out += ["", "Per functional block"]
    out += _columns(
        ["version", "role", "block", "implemented", "total", "%"],
        [[v, r, b, *_count_cells(c)] for (v, r, b), c in report.by_block.items()],
        num,
    )
    if report.unknown:
        out += ["", "implemented but not in the catalogue: " + ", ".join(report.unknown)]
    return "\n".join(out) + "\n"


def render_markdown(report: CoverageReport) -> str:
    """The README's coverage table: each certification profile with a case implemented, then
    the totals per version and role, so the README can be regenerated instead of hand-kept."""
    out = [
        "| OCPP | DUT | certification profile | implemented | in the catalogue |",
        "|---|---|---|---:|---:|",
    ]
    for (v, r, p), c in report.by_profile.items():
        if c.implemented:
            out.append(f"| {v} | {r} | {p} | {c.implemented} | {c.total} |")
    for (v, r), c in report.totals.items():
        out.append(f"| {v} | {r} | **all profiles** | **{c.implemented}** | {c.total} |")
    return "\n".join(out) + "\n"


def render_json(report: CoverageReport) -> str:
    """The report as JSON for tooling: filters, every case with its status, and all counts."""

    def count(c: Count) -> dict[str, int]:
        return {"implemented": c.implemented, "total": c.total}

    doc = {
        "filters": dict(report.filters),
        "implemented": report.implemented,
        "total": report.total,
        "cases": [
            {
                "id": r.entry.id,
                "title": r.entry.title,
                "version": r.entry.version,
                "role": r.entry.role,
                "block": r.entry.block,
                "profiles": list(r.entry.profiles),
                "status": r.status,
            }
            for r in report.rows
        ],
        "counts": {
            "totals": [
                {"version": v, "role": r, **count(c)} for (v, r), c in report.totals.items()
            ],
            "profiles": [
                {"version": v, "role": r, "profile": p, **count(c)}
                for (v, r, p), c in report.by_profile.items()
            ],
            "blocks": [
                {"version": v, "role": r, "block": b, **count(c)}
                for (v, r, b), c in report.by_block.items()
            ],
        },
        "unknown": list(report.unknown),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
