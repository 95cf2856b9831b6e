"""The official conformance test-case list, loaded from the packaged `catalogue.csv`.

The CSV is copied verbatim from `../shared/catalogue/` (see `tools/sync_catalogue.py`) so the
harness measures itself against the OCA case lists, not against whatever cases happen to exist
in `testcases/`. It holds facts only: id, title, functional block, DUT role, certification
profiles and the row's source.

Ids are unique per version, not globally: 673 OCPP 2.1 ids (from EVtivity, unofficial) reuse
their OCPP 2.0.1 id. A bare id therefore means the official entry (2.0.1 before 2.1); the 2.1
one is reached with `version="2.1"` or the qualified key `"2.1:TC_B_01_CS"` (`Entry.key`).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

VERSIONS: tuple[str, ...] = ("1.6", "2.0.1", "2.1")
"""Known OCPP versions, oldest first (the order tables and `versions()` use)."""

ROLES: tuple[str, ...] = ("CS", "CSMS")

NO_PROFILE = "(none)"
"""Profile label for cases no certification profile marks (as in `counts.txt`)."""

# Which version a bare id resolves to when several versions share it: the official lists
# first, the unofficial 2.1 list last (see the module docstring).
_BARE_ID_PREFERENCE: tuple[str, ...] = ("2.0.1", "1.6", "2.1")

_COLUMNS = (
    "ocpp_version",
    "test_case_id",
    "title",
    "functional_block",
    "dut_role",
    "certification_profile",
)


def slug(text: str) -> str:
    """A pytest-marker-safe lowercase name: `"K Smart Charging"` -> `"k_smart_charging"`.

    Markers must survive `-m` expressions, so only `[a-z0-9_]` is kept and the result never
    starts with a digit.
    """
    out = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not out or out[0].isdigit():
        out = f"x_{out}"
    return out


@dataclass(frozen=True)
class Entry:
    """One catalogue row: a test case of one OCPP version, for one DUT role."""

    id: str
    title: str
    version: str
    role: str
    block: str
    profiles: tuple[str, ...]

    @property
    def key(self) -> str:
        """`"2.0.1:TC_B_01_CS"`: unique across versions, unlike `id`."""
        return f"{self.version}:{self.id}"

    @property
    def block_letter(self) -> str:
        """2.x: the block letter (`"B"`); 1.6 sections have no letter, so `""`."""
        return "" if self.version == "1.6" else self.block[:1]

    @property
    def block_marker(self) -> str:
        """Block as a pytest marker: `"b_provisioning"`, `"core_profile_resetting_happy_flow"`."""
        return slug(self.block)

    @property
    def profile_markers(self) -> tuple[str, ...]:
        """Certification profiles as pytest markers, in `profiles` order: `("core", ...)`."""
        return tuple(slug(p) for p in self.profiles)


class Catalogue:
    """All entries, in CSV order, with lookup by id and the filters the CLI and plugin need.

    Immutable once built, because `load_catalogue()` shares one instance process-wide.
    """

    def __init__(self, entries: list[Entry] | tuple[Entry, ...]) -> None:
        self._entries: tuple[Entry, ...] = tuple(entries)
        by_key: dict[str, Entry] = {}
        by_id: dict[str, list[Entry]] = {}
        for e in self._entries:
            if e.key in by_key:
                raise ValueError(f"catalogue: {e.id} appears twice for OCPP {e.version}")
            by_key[e.key] = e
            by_id.setdefault(e.id, []).append(e)
        self._by_key = MappingProxyType(by_key)
        self._by_id = MappingProxyType(
            {
                i: min(es, key=lambda e: _BARE_ID_PREFERENCE.index(e.version))
                for i, es in by_id.items()
            }
        )

    def get(self, id: str, version: str | None = None) -> Entry | None:
        """The entry for `id` (`"TC_B_01_CS"` or a qualified `"2.1:TC_B_01_CS"`), or None.

        Without `version` a bare id shared by 2.0.1 and 2.1 gives the 2.0.1 entry.
        """
        if version is not None:
            return self._by_key.get(f"{version}:{id}")
        if ":" in id:
            return self._by_key.get(id)
        return self._by_id.get(id)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Entry):
            return self._by_key.get(item.key) == item
        return isinstance(item, str) and self.get(item) is not None

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def versions(self) -> list[str]:
        """Versions present, oldest first."""
        present = {e.version for e in self._entries}
        return [v for v in VERSIONS if v in present]

    def entries(
        self,
        version: str | None = None,
        role: str | None = None,
        profile: str | None = None,
        block: str | None = None,
    ) -> list[Entry]:
        """Entries matching every filter given, in CSV order.

        `role`: `"CS"`/`"cs"`/`"CSMS"`/`"csms"`. `profile`: profile name or marker slug, any
        case (`"Core"`, `"smart_charging"`), or `"(none)"` for unprofiled cases. `block`: the
        block letter (`"B"`), a case-insensitive prefix of the block name (`"Core Profile"`) or
        the block marker. An unknown version or role raises ValueError: a typo like `"2.0"`
        would otherwise read as "no cases" and under-report what is missing.
        """
        if version is not None and version not in VERSIONS:
            raise ValueError(f"unknown OCPP version {version!r} (known: {', '.join(VERSIONS)})")
        want_role = None if role is None else role.upper()
        if want_role is not None and want_role not in ROLES:
            raise ValueError(f"unknown DUT role {role!r} (known: CS, CSMS)")
        return [
            e
            for e in self._entries
            if (version is None or e.version == version)
            and (want_role is None or e.role == want_role)
            and (profile is None or matches_profile(e, profile))
            and (block is None or matches_block(e, block))
        ]


def profile_name_matches(name: str, profile: str) -> bool:
    """Whether profile `name` (or the `"(none)"` label) is what the filter `profile` asks for."""
    want = profile.strip().lower()
    return want == name.lower() or want == slug(name)


def matches_profile(entry: Entry, profile: str) -> bool:
    """Whether `entry` is in certification profile `profile` (name or slug, any case)."""
    return any(profile_name_matches(p, profile) for p in entry.profiles or (NO_PROFILE,))


def matches_block(entry: Entry, block: str) -> bool:
    """Whether `entry` sits in `block`: letter, case-insensitive name prefix, or marker."""
    want = block.strip().lower()
    return (
        (entry.block_letter != "" and want == entry.block_letter.lower())
        or entry.block.lower().startswith(want)
        or want == entry.block_marker
    )


def parse_catalogue(text: str) -> Catalogue:
    """Build a Catalogue from CSV text, rejecting rows the harness could not trust.

    A bad re-sync must fail at import with the line number, not silently mis-mark tests.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"catalogue.csv: missing columns {missing}")
    out: list[Entry] = []
    for row in reader:
        line = reader.line_num
        version, case_id, role = row["ocpp_version"], row["test_case_id"], row["dut_role"]
        if version not in VERSIONS:
            raise ValueError(f"catalogue.csv line {line}: unknown version {version!r}")
        if role not in ROLES:
            raise ValueError(f"catalogue.csv line {line}: unknown role {role!r}")
        if not case_id.endswith(f"_{role}"):
            raise ValueError(f"catalogue.csv line {line}: {case_id} does not end in _{role}")
        profiles = tuple(p.strip() for p in row["certification_profile"].split(";") if p.strip())
        out.append(
            Entry(
                id=case_id,
                title=row["title"],
                version=version,
                role=role,
                block=row["functional_block"],
                profiles=profiles,
            )
        )
    return Catalogue(out)


@functools.cache
def load_catalogue() -> Catalogue:
    """The packaged catalogue, parsed once per process (the decorator calls it per case)."""
    # Bytes, not read_text(): the csv module wants line endings untouched.
    data = resources.files("conformance.catalogue").joinpath("catalogue.csv").read_bytes()
    return parse_catalogue(data.decode("utf-8"))
