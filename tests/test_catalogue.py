"""The packaged catalogue: it must equal the shared one, load completely, and count like counts.txt.

The harness reports coverage against this list, so a wrong filter or a stale copy would quietly
misstate what is missing; these tests pin the figures the shared `counts.txt` publishes.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from conformance.catalogue import (
    Catalogue,
    Entry,
    coverage,
    load_catalogue,
    render_json,
    render_markdown,
    render_table,
)
from conformance.catalogue.entries import parse_catalogue

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "catalogue"


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue()


def _packaged_bytes() -> bytes:
    return resources.files("conformance.catalogue").joinpath("catalogue.csv").read_bytes()


def test_packaged_catalogue_matches_shared() -> None:
    """Byte-identical to ../shared when that checkout exists; otherwise at least it parses."""
    packaged = _packaged_bytes()
    shared = SHARED / "catalogue.csv"
    if shared.is_file():
        assert packaged == shared.read_bytes(), "stale copy: run python tools/sync_catalogue.py"
    else:
        assert len(parse_catalogue(packaged.decode("utf-8"))) > 0


def test_loads_every_row_once(cat: Catalogue) -> None:
    assert len(cat) == 1762
    assert len(list(cat)) == 1762
    assert cat.versions() == ["1.6", "2.0.1", "2.1"]
    assert load_catalogue() is cat  # cached: the decorator calls it once per case


def test_tc_b_01_cs(cat: Catalogue) -> None:
    e = cat.get("TC_B_01_CS")
    assert e is not None
    assert (e.version, e.role, e.block, e.profiles) == ("2.0.1", "CS", "B Provisioning", ("Core",))
    assert e.title.startswith("Cold Boot")
    assert e.block_letter == "B"
    assert e.block_marker == "b_provisioning"
    assert e.profile_markers == ("core",)
    assert e.key == "2.0.1:TC_B_01_CS"


def test_1_6_entry_has_no_letter_and_a_section_marker(cat: Catalogue) -> None:
    (e, *_) = cat.entries(version="1.6", block="Core Profile - Remote actions Happy flow")
    assert e.block_letter == ""
    assert e.block_marker == "core_profile_remote_actions_happy_flow"
    assert cat.get("TC_001_CS") == Entry(
        id="TC_001_CS",
        title="Cold Boot Charge Point",
        version="1.6",
        role="CS",
        block="Cold Boot Charge Point",
        profiles=("Core",),
    )


def test_ids_shared_by_2_0_1_and_2_1(cat: Catalogue) -> None:
    """A bare id means the official 2.0.1 case; 2.1's twin needs the version or a qualified key."""
    v21 = cat.get("TC_B_01_CS", version="2.1")
    assert v21 is not None and v21.version == "2.1"
    assert cat.get("2.1:TC_B_01_CS") == v21
    assert cat.get("TC_B_01_CS", version="1.6") is None
    only_21 = cat.entries(version="2.1", block="Q")[0]
    assert cat.get(only_21.id) == only_21  # no 2.0.1 twin: the bare id still resolves
    assert "TC_B_01_CS" in cat
    assert "2.1:TC_B_01_CS" in cat
    assert v21 in cat
    assert "TC_Z_99_CS" not in cat
    assert 42 not in cat


def test_filters(cat: Catalogue) -> None:
    assert len(cat.entries(version="1.6")) == 179
    assert len(cat.entries(version="2.0.1")) == 676
    assert len(cat.entries(version="2.1")) == 907
    assert cat.entries(version="2.0.1", role="cs") == cat.entries(version="2.0.1", role="CS")
    assert len(cat.entries(version="2.0.1", role="csms")) == 252
    assert all(e.role == "CSMS" for e in cat.entries(role="csms"))
    # profile: name any case, or marker slug; "(none)" for cases no profile marks
    sc = cat.entries(version="2.0.1", role="CS", profile="Smart Charging")
    assert len(sc) == 36
    assert cat.entries(version="2.0.1", role="CS", profile="smart_charging") == sc
    assert cat.entries(version="2.0.1", role="CS", profile="SMART CHARGING") == sc
    assert len(cat.entries(version="2.0.1", role="CSMS", profile="(none)")) == 19
    assert cat.entries(profile="no such profile") == []
    # block: letter, name prefix (any case) or marker
    b = cat.entries(version="2.0.1", role="CS", block="B")
    assert len(b) == 48
    assert cat.entries(version="2.0.1", role="CS", block="b") == b
    assert cat.entries(version="2.0.1", role="CS", block="b provisioning") == b
    assert cat.entries(version="2.0.1", role="CS", block="b_provisioning") == b
    assert (
        len(cat.entries(version="1.6", role="CS", block="core profile")) == 33
    )  # counts.txt: 4+4+4+2+2+3+2+3+6+2+1
    assert {e.block for e in cat.entries(version="1.6", block="c")} >= {
        "Cache",
        "Cold Boot Charge Point",
    }
    assert cat.entries(version="2.0.1", block="Z") == []


def test_unknown_version_or_role_is_an_error(cat: Catalogue) -> None:
    with pytest.raises(ValueError, match="version"):
        cat.entries(version="2.0")
    with pytest.raises(ValueError, match="role"):
        cat.entries(role="EV")


@pytest.mark.parametrize(
    ("version", "role", "total"),
    [("2.0.1", "CS", 222), ("2.0.1", "CSMS", 132), ("1.6", "CS", 48), ("1.6", "CSMS", 34)],
)
def test_core_counts(cat: Catalogue, version: str, role: str, total: int) -> None:
    assert len(cat.entries(version=version, role=role, profile="Core")) == total


def _published_counts(text: str) -> dict[tuple[str, str, str, str], int]:
    """counts.txt's first block and profile table per version: {(kind, version, role, name): n}."""
    out: dict[tuple[str, str, str, str], int] = {}
    version = kind = ""
    seen: set[tuple[str, str]] = set()
    for line in text.splitlines():
        if m := re.match(r"## OCPP (\S+):", line):
            version, kind = m.group(1), ""
        elif line.startswith("| functional block") or line.startswith("| certification profile"):
            kind = "block" if "block" in line else "profile"
            kind = "" if (version, kind) in seen else kind  # skip the Ed3-only table
            seen.add((version, kind))
        elif not line.startswith("|"):
            kind = ""
        elif kind and not line.startswith("|---"):
            name, cs, csms = (c.strip() for c in line.strip("|").split("|"))
            out[(kind, version, "CS", name)] = int(cs)
            out[(kind, version, "CSMS", name)] = int(csms)
    return out


def test_coverage_counts_equal_published_counts(cat: Catalogue) -> None:
    """With nothing implemented, every total equals counts.txt (the hard-coded Core figures above
    hold without the shared checkout; this compares every table when it is there)."""
    report = coverage(cat, set())
    ours = {("block", *k): c.total for k, c in report.by_block.items()}
    ours |= {("profile", *k): c.total for k, c in report.by_profile.items()}
    counts_txt = SHARED / "counts.txt"
    if counts_txt.is_file():
        published = {k: n for k, n in _published_counts(counts_txt.read_text()).items() if n}
        assert ours == published
    assert ours[("profile", "2.0.1", "CSMS", "Core")] == 132
    assert ours[("block", "2.0.1", "CS", "B Provisioning")] == 48
    assert report.implemented == 0 and report.total == 1762


def test_coverage_with_fake_implemented_set(cat: Catalogue) -> None:
    done = {"TC_B_01_CS", "TC_B_02_CS", "2.1:TC_B_03_CS", "TC_001_CS", "TC_NOPE_CS"}
    report = coverage(cat, done, version="2.0.1", role="cs")
    assert report.total == 424 and report.implemented == 2
    assert report.unknown == ("TC_NOPE_CS",)
    assert report.totals[("2.0.1", "CS")].implemented == 2
    core = report.by_profile[("2.0.1", "CS", "Core")]
    assert (core.implemented, core.total) == (2, 222)
    assert round(core.percent, 1) == 0.9
    blk = report.by_block[("2.0.1", "CS", "B Provisioning")]
    assert (blk.implemented, blk.total) == (2, 48)
    assert report.by_block[("2.0.1", "CS", "K Smart Charging")].implemented == 0
    status = {r.entry.id: r.status for r in report.rows}
    assert status["TC_B_01_CS"] == "implemented"
    assert status["TC_B_03_CS"] == "not implemented"  # only the 2.1 twin is implemented

    v21 = coverage(cat, done, version="2.1", role="CS", block="B")
    assert {r.entry.id for r in v21.rows if r.implemented} == {"TC_B_03_CS"}

    core_only = coverage(cat, done, profile="Core")
    assert {k[2] for k in core_only.by_profile} == {"Core"}
    assert core_only.implemented == 3  # TC_B_01_CS, TC_B_02_CS (2.0.1) and TC_001_CS (1.6)


def test_render_table(cat: Catalogue) -> None:
    text = render_table(coverage(cat, {"TC_B_01_CS"}, version="2.0.1", role="CS", block="B"))
    lines = text.splitlines()
    assert lines[0] == "Catalogue coverage (version=2.0.1, role=CS, block=B)"
    assert "1 of 48 cases implemented" in lines
    assert re.search(r"^TC_B_01_CS  implemented      Cold Boot", text, re.M)
    assert re.search(r"^TC_B_02_CS  not implemented  Cold Boot", text, re.M)
    assert "Per certification profile" in lines and "Per functional block" in lines
    assert re.search(r"^2\.0\.1\s+CS\s+Core\s+1\s+39\s+2\.6%$", text, re.M)
    assert re.search(r"^2\.0\.1\s+CS\s+B Provisioning\s+1\s+48\s+2\.1%$", text, re.M)
    empty = render_table(coverage(cat, set(), block="no such block"))
    assert "no catalogue case matches the filters" in empty


def test_render_json(cat: Catalogue) -> None:
    doc = json.loads(render_json(coverage(cat, {"TC_B_01_CS", "bogus"}, version="2.0.1")))
    assert doc["filters"] == {"version": "2.0.1", "role": None, "profile": None, "block": None}
    assert (doc["implemented"], doc["total"]) == (1, 676)
    first = next(c for c in doc["cases"] if c["id"] == "TC_B_01_CS")
    assert first == {
        "id": "TC_B_01_CS",
        "title": first["title"],
        "version": "2.0.1",
        "role": "CS",
        "block": "B Provisioning",
        "profiles": ["Core"],
        "status": "implemented",
    }
    assert {c["status"] for c in doc["cases"]} == {"implemented", "not implemented"}
    assert {
        "version": "2.0.1",
        "role": "CSMS",
        "profile": "Core",
        "implemented": 0,
        "total": 132,
    } in (doc["counts"]["profiles"])
    assert {"version": "2.0.1", "role": "CS", "implemented": 1, "total": 424} in doc["counts"][
        "totals"
    ]
    assert len(doc["counts"]["blocks"]) == 32
    assert doc["unknown"] == ["bogus"]


def test_markers_are_pytest_safe(cat: Catalogue) -> None:
    """Markers feed `-m` expressions, so they must be plain identifiers, never keywords."""
    names = {e.block_marker for e in cat} | {m for e in cat for m in e.profile_markers}
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", n) for n in names)
    assert not names & {"and", "or", "not"}
    assert "smart_charging" in names and "iso_15118_support" in names


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2.0,TC_B_01_CS,t,B Provisioning,CS,Core", "unknown version"),
        ("2.0.1,TC_B_01_CS,t,B Provisioning,EV,Core", "unknown role"),
        ("2.0.1,TC_B_01_CSMS,t,B Provisioning,CS,Core", "does not end in _CS"),
    ],
)
def test_parse_rejects_bad_rows(row: str, message: str) -> None:
    header = "ocpp_version,test_case_id,title,functional_block,dut_role,certification_profile\n"
    with pytest.raises(ValueError, match=message):
        parse_catalogue(header + row + "\n")


def test_parse_rejects_duplicates_and_missing_columns() -> None:
    header = "ocpp_version,test_case_id,title,functional_block,dut_role,certification_profile\n"
    row = "2.0.1,TC_B_01_CS,t,B Provisioning,CS,Core;Smart Charging\n"
    assert parse_catalogue(header + row).get("TC_B_01_CS") is not None
    assert parse_catalogue(header + row).entries()[0].profiles == ("Core", "Smart Charging")
    with pytest.raises(ValueError, match="twice"):
        parse_catalogue(header + row + row)
    with pytest.raises(ValueError, match="missing columns"):
        parse_catalogue("ocpp_version,test_case_id\n2.0.1,TC_B_01_CS\n")


def test_render_markdown(cat: Catalogue) -> None:
    text = render_markdown(coverage(cat, {"TC_B_01_CS", "TC_B_02_CS"}, version="2.0.1", role="CS"))
    lines = text.splitlines()
    assert lines[0].startswith("| OCPP | DUT |")
    core = [ln for ln in lines if "| Core |" in ln]
    assert len(core) == 1 and core[0].startswith("| 2.0.1 | CS | Core | 2 |"), core
    total = cat.entries(version="2.0.1", role="CS")
    assert lines[-1] == f"| 2.0.1 | CS | **all profiles** | **2** | {len(total)} |"
    # Profiles with no case implemented are left out of the README table.
    assert not any("| 0 |" in ln for ln in lines)


def test_a_shared_id_is_implemented_per_version() -> None:
    """2.1 reuses 2.0.1 ids: a 2.0.1 case must not count (or hide, in a 2.1 run's report) the
    2.1 case of the same id as implemented. TC_B_47_CS is implemented for 2.0.1; 2.1 retitled
    it, so it is a different case there and not implemented."""
    from conformance.catalogue.decorator import is_implemented, registry_key
    from conformance.cli import implemented_ids

    implemented_ids()
    cat = load_catalogue()
    e201, e21 = cat.get("TC_B_47_CS", "2.0.1"), cat.get("TC_B_47_CS", "2.1")
    assert e201 is not None and e21 is not None
    assert registry_key(e201) == "TC_B_47_CS" and registry_key(e21) == "2.1:TC_B_47_CS"
    assert is_implemented(e201)
    assert not is_implemented(e21)
