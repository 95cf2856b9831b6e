"""`report.html`: one self-contained page a vendor can open, read and pass on.

Everything the page needs is inline (CSS, no scripts, no fetches), because the file is mailed
around and opened from CI artefact stores where relative assets are lost. Frames and finding
messages are DUT-controlled text, so the template is rendered with autoescape on, and the page
carries a Content-Security-Policy that forbids scripts altogether as a second line of defence.

The Python side turns results and trace files into small view objects so the template only
lays them out; all tolerance for damaged traces (missing file, a last line cut short by a
crash, garbage lines) lives here, where it can be tested.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from conformance.report.json_report import (
    NO_PROFILE,
    Summary,
    profile_sort_key,
    profiles_of,
    write_atomic,
)
from conformance.verdict import CaseResult, Verdict

if TYPE_CHECKING:
    from conformance.report import RunInfo

HTML_NAME = "report.html"
TEMPLATE_NAME = "report.html.j2"

MAX_TRANSCRIPT_LINES = 2000
"""Lines of one trace shown in the page; a runaway case must not make the report unopenable."""

MAX_FRAME_CHARS = 100_000
"""Characters of one frame shown; the trace file next to the report keeps the rest."""

VERDICT_COLUMNS: tuple[tuple[str, str], ...] = (
    (str(Verdict.PASS), "Passed"),
    (str(Verdict.FAIL), "Failed"),
    (str(Verdict.ERROR), "Error"),
    (str(Verdict.NOT_APPLICABLE), "Not applicable"),
    (str(Verdict.NOT_IMPLEMENTED), "Not implemented"),
)
"""Summary table columns: verdict key and heading, in the order readers scan them."""

ARROWS = {"send": "→", "recv": "←", "event": "•"}

TRUNCATED_NOTE = "last line cut short: the run ended while writing it"


# --- faithful JSON pretty-printing ---------------------------------------------------------


class _Literal(str):
    """A JSON number or constant exactly as the DUT wrote it (`1.0` stays `1.0`, `1E2` stays)."""


class _Object(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs, so duplicate keys stay visible."""


_quote = json.encoder.encode_basestring
"""JSON string literal, non-ASCII kept: the C helper behind json.dumps, without its set-up."""


def _format(value: Any, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    if isinstance(value, _Object):
        if not value:
            out.append("{}")
            return
        out.append("{\n")
        for i, (key, item) in enumerate(value):
            out.append(f"{pad}  {_quote(key)}: ")
            _format(item, depth + 1, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append(pad + "}")
    elif isinstance(value, list):
        containers = [isinstance(v, list) for v in value]
        if not any(containers):
            out.append("[")
            for i, item in enumerate(value):
                _format(item, depth, out)
                if i < len(value) - 1:
                    out.append(", ")
            out.append("]")
        elif containers[-1] and not any(containers[:-1]):
            # The OCPP-J frame shape: [2, "id", "Action", {payload}]. Keep the header on one
            # line and let the payload open after it.
            out.append("[")
            for item in value[:-1]:
                _format(item, depth, out)
                out.append(", ")
            _format(value[-1], depth, out)
            out.append("]")
        else:
            out.append("[\n")
            for i, item in enumerate(value):
                out.append(pad + "  ")
                _format(item, depth + 1, out)
                out.append(",\n" if i < len(value) - 1 else "\n")
            out.append(pad + "]")
    elif isinstance(value, _Literal):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(_quote(value))
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    else:
        out.append("null")


def pretty_frame(text: str) -> str:
    """`text` indented when it is a JSON object or array, else unchanged.

    Unlike a json.loads/json.dumps round trip this keeps what a conformance reader needs to
    see: number literals as written and repeated keys. Anything that does not parse (a
    truncated frame, plain event text) is shown verbatim.
    """
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return text
    try:
        value = json.loads(
            stripped,
            object_pairs_hook=_Object,
            parse_int=_Literal,
            parse_float=_Literal,
            parse_constant=_Literal,
        )
        out: list[str] = []
        _format(value, 0, out)
    except (ValueError, RecursionError):
        return text
    return "".join(out)


def cap(text: str, limit: int = MAX_FRAME_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… {len(text) - limit:,} more characters (see the trace file)"


# --- transcripts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptRow:
    ms: str
    """Milliseconds since the first line of the trace, or "" when the line has no time."""
    wall: str
    arrow: str
    direction: str
    conn: str
    text: str
    note: str | None = None


@dataclass(frozen=True)
class Transcript:
    rows: list[TranscriptRow] = field(default_factory=list)
    omitted: int = 0
    problem: str | None = None
    """Why there is no (complete) transcript, in words for the reader."""
    path: str | None = None
    href: str | None = None


def _trace_path(report_dir: Path, trace: str) -> Path:
    path = Path(trace)
    return path if path.is_absolute() else report_dir / path


def _mono(entry: dict[str, Any]) -> float | None:
    mono = entry.get("mono")
    if isinstance(mono, int | float) and not isinstance(mono, bool):
        return float(mono)
    return None


def _broken_row(text: str, note: str) -> TranscriptRow:
    return TranscriptRow(
        ms="", wall="", arrow="?", direction="broken", conn="", text=cap(text), note=note
    )


def parse_trace_lines(
    lines: Iterable[bytes], limit: int = MAX_TRANSCRIPT_LINES
) -> tuple[list[TranscriptRow], int]:
    """Rows for the first `limit` non-blank lines, and how many lines were left out.

    The engine writes whole lines, so an unreadable *last* line was cut short by a crash (or a
    killed CI job): it is shown verbatim and labelled as such rather than failing the report.
    Unreadable lines elsewhere are shown the same way. Invalid UTF-8 (a multi-byte character
    cut in half) is replaced, not fatal.
    """
    rows: list[TranscriptRow] = []
    omitted = 0
    first_mono: float | None = None
    for raw in lines:
        if not raw.strip():
            continue
        if len(rows) >= limit:
            omitted += 1
            continue
        text = raw.decode("utf-8", errors="replace").strip()
        try:
            entry = json.loads(text)
        except (ValueError, RecursionError):
            entry = None
        if not isinstance(entry, dict):
            rows.append(_broken_row(text, "unreadable trace line"))
            continue
        mono = _mono(entry)
        if mono is not None and first_mono is None:
            first_mono = mono
        ms = "" if mono is None or first_mono is None else f"{(mono - first_mono) * 1000:.1f}"
        direction = str(entry.get("dir", ""))
        rows.append(
            TranscriptRow(
                ms=ms,
                wall=str(entry.get("t", "")),
                arrow=ARROWS.get(direction, "?"),
                direction=direction if direction in ARROWS else "unknown",
                conn=str(entry.get("conn", "")),
                text=cap(pretty_frame(str(entry.get("text", "")))),
            )
        )
    if rows and not omitted and rows[-1].direction == "broken":
        rows[-1] = dataclasses.replace(rows[-1], note=TRUNCATED_NOTE)
    return rows, omitted


def read_transcript(
    report_dir: Path, trace: str | None, limit: int = MAX_TRANSCRIPT_LINES
) -> Transcript:
    """The transcript of one case, or the reason there is none; never raises for a bad file."""
    if not trace:
        return Transcript(problem="No trace was recorded for this case.")
    href = None if Path(trace).is_absolute() else urllib.parse.quote(Path(trace).as_posix())
    path = _trace_path(report_dir, trace)
    try:
        with path.open("rb") as fh:
            rows, omitted = parse_trace_lines(fh, limit)
    except FileNotFoundError:
        return Transcript(problem=f"The trace file {trace} is missing.", path=trace)
    except OSError as exc:
        return Transcript(
            problem=f"The trace file {trace} could not be read: {exc.strerror or exc}.",
            path=trace,
        )
    problem = None if rows else "The trace file is empty: no frame was exchanged."
    return Transcript(rows=rows, omitted=omitted, problem=problem, path=trace, href=href)


# --- page model ----------------------------------------------------------------------------


def verdict_label(verdict: Verdict) -> str:
    return str(verdict).replace("_", " ")


def format_duration(case: CaseResult) -> str:
    if case.duration_s <= 0 and case.verdict in (Verdict.NOT_APPLICABLE, Verdict.NOT_IMPLEMENTED):
        return "—"
    if case.duration_s < 1:
        return f"{case.duration_s * 1000:.0f} ms"
    return f"{case.duration_s:.2f} s"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x"


def _natural_key(case_id: str) -> list[int | str]:
    """TC_B_2 before TC_B_10. re.split alternates text and digits, so types always line up."""
    parts = re.split(r"(\d+)", case_id)
    return [int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)]


@dataclass(frozen=True)
class FindingView:
    severity: str
    breaks_scenario: bool
    message: str
    requirement: str | None
    frame: str | None


@dataclass(frozen=True)
class CaseView:
    case: CaseResult
    verdict: str
    verdict_label: str
    functional: str
    functional_label: str
    duration: str
    profiles: list[str]
    findings: list[FindingView]
    transcript: Transcript


@dataclass(frozen=True)
class GroupEntry:
    anchor: str
    view: CaseView


@dataclass(frozen=True)
class ProfileGroup:
    name: str
    anchor: str
    entries: list[GroupEntry]


@dataclass(frozen=True)
class SummaryRow:
    name: str
    anchor: str | None
    counts: dict[str, int]
    total: int


@dataclass(frozen=True)
class Page:
    """Everything the template shows, already computed."""

    run: RunInfo
    dut_name: str
    dut_role: str
    dut_version: str
    dut_extra: list[tuple[str, str]]
    columns: tuple[tuple[str, str], ...]
    strict_rows: list[SummaryRow]
    strict_total: SummaryRow
    functional_rows: list[SummaryRow]
    functional_total: SummaryRow
    attention: list[GroupEntry]
    groups: list[ProfileGroup]
    total: int


def _case_view(report_dir: Path, case: CaseResult) -> CaseView:
    return CaseView(
        case=case,
        verdict=str(case.verdict),
        verdict_label=verdict_label(case.verdict),
        functional=str(case.functional_verdict),
        functional_label=verdict_label(case.functional_verdict),
        duration=format_duration(case),
        profiles=profiles_of(case),
        findings=[
            FindingView(
                severity=str(f.severity),
                breaks_scenario=f.breaks_scenario,
                message=f.message,
                requirement=f.requirement,
                frame=None if f.frame is None else cap(f.frame),
            )
            for f in case.findings
        ],
        transcript=read_transcript(report_dir, case.trace),
    )


def _dut_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def build_page(report_dir: Path, run: RunInfo, cases: list[CaseResult]) -> Page:
    """Group the cases by profile and read each trace once (a case may appear in many groups)."""
    summary = Summary.of(cases)
    views = [_case_view(report_dir, c) for c in sorted(cases, key=lambda c: _natural_key(c.id))]

    members: dict[str, list[CaseView]] = {}
    for view in views:
        for profile in view.profiles:
            members.setdefault(profile, []).append(view)

    used: set[str] = set()

    def unique(anchor: str) -> str:
        candidate, n = anchor, 1
        while candidate in used:
            n += 1
            candidate = f"{anchor}-{n}"
        used.add(candidate)
        return candidate

    groups: list[ProfileGroup] = []
    first_anchor: dict[int, GroupEntry] = {}
    for name in sorted(members, key=profile_sort_key):
        group_anchor = unique(f"profile-{_slug(name)}")
        entries = []
        for view in members[name]:
            entry = GroupEntry(anchor=unique(f"{group_anchor}--{_slug(view.case.id)}"), view=view)
            first_anchor.setdefault(id(view), entry)
            entries.append(entry)
        groups.append(ProfileGroup(name=name, anchor=group_anchor, entries=entries))
    anchors = {g.name: g.anchor for g in groups}

    def rows(by_profile: dict[str, dict[str, int]]) -> list[SummaryRow]:
        return [
            SummaryRow(name=p, anchor=anchors.get(p), counts=c, total=sum(c.values()))
            for p, c in by_profile.items()
        ]

    dut = run.dut
    first = cases[0] if cases else None
    shown = {"name", "role", "version", "ocpp_version"}
    return Page(
        run=run,
        dut_name=_dut_text(dut.get("name", "")),
        dut_role=_dut_text(dut.get("role", first.role if first else "")),
        dut_version=_dut_text(
            dut.get("version", dut.get("ocpp_version", first.version if first else ""))
        ),
        dut_extra=[(str(k), _dut_text(v)) for k, v in dut.items() if k not in shown],
        columns=VERDICT_COLUMNS,
        strict_rows=rows(summary.by_profile),
        strict_total=SummaryRow("All cases", None, summary.by_verdict, summary.total),
        functional_rows=rows(summary.by_profile_functional),
        functional_total=SummaryRow(
            "All cases", None, summary.by_functional_verdict, summary.total
        ),
        attention=[
            first_anchor[id(v)]
            for v in views
            if v.case.verdict in (Verdict.FAIL, Verdict.ERROR)
            or v.case.functional_verdict in (Verdict.FAIL, Verdict.ERROR)
        ],
        groups=groups,
        total=summary.total,
    )


@functools.cache
def _environment() -> jinja2.Environment:
    """One environment per process: Jinja compiles and caches the template on first use."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(report_dir: Path, run: RunInfo, cases: list[CaseResult]) -> str:
    """The page as text; `report_dir` is where the cases' relative trace paths start."""
    page = build_page(report_dir, run, cases)
    return _environment().get_template(TEMPLATE_NAME).render(page=page, no_profile=NO_PROFILE)


def write_html_report(report_dir: Path, run: RunInfo, cases: list[CaseResult]) -> Path:
    """Write `report.html` into `report_dir` and return its path.

    A lone surrogate in DUT text cannot be encoded as UTF-8; it becomes `?` rather than
    costing the page (the JSON report keeps the exact value).
    """
    data = render_html(report_dir, run, cases).encode("utf-8", errors="replace")
    return write_atomic(report_dir / HTML_NAME, data)
