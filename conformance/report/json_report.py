"""`conformance.json`: the machine-readable record of a run, and the counts all reports share.

The JSON report is the one every other consumer (CI dashboards, the `report` CLI command that
re-renders HTML later, a vendor's own tooling) builds on, so it is written first and atomically:
a reader never sees half a file, even if the harness is killed while writing.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.verdict import CaseResult, Verdict

if TYPE_CHECKING:
    from conformance.report import RunInfo

JSON_NAME = "conformance.json"

NO_PROFILE = "(none)"
"""Group name for cases that belong to no certification profile; always listed last."""

CORE_PROFILE = "Core"
"""Listed first: every certification includes it, so readers look for it first."""


def profiles_of(case: CaseResult) -> list[str]:
    """The profile groups a case counts in: each named profile once, or `(none)`.

    Blank names and repeats are dropped so that a sloppy catalogue row can neither create an
    empty-named group nor count a case twice in the same profile.
    """
    seen: list[str] = []
    for name in case.profiles:
        name = name.strip()
        if name and name not in seen:
            seen.append(name)
    return seen or [NO_PROFILE]


def profile_sort_key(name: str) -> tuple[int, str]:
    """Core first, then alphabetical (case-insensitive), `(none)` last."""
    if name == CORE_PROFILE:
        return (0, "")
    if name == NO_PROFILE:
        return (2, "")
    return (1, name.casefold())


def empty_counts() -> dict[str, int]:
    """One counter per verdict, zeros included, in the enum's order.

    Zeros are kept so consumers can index any verdict without a default, and tables line up.
    """
    return {str(v): 0 for v in Verdict}


@dataclass(frozen=True)
class Summary:
    """Verdict counts of a run: overall, and per certification profile (strict and functional).

    A case with several profiles counts once in each of them, so the per-profile rows may add up
    to more than `total`; the overall counts count each case once.
    """

    total: int
    by_verdict: dict[str, int]
    by_functional_verdict: dict[str, int]
    by_profile: dict[str, dict[str, int]]
    by_profile_functional: dict[str, dict[str, int]]

    @classmethod
    def of(cls, cases: Iterable[CaseResult]) -> Summary:
        by_verdict = empty_counts()
        by_functional = empty_counts()
        by_profile: dict[str, dict[str, int]] = {}
        by_profile_functional: dict[str, dict[str, int]] = {}
        total = 0
        for case in cases:
            total += 1
            by_verdict[str(case.verdict)] += 1
            by_functional[str(case.functional_verdict)] += 1
            for profile in profiles_of(case):
                by_profile.setdefault(profile, empty_counts())[str(case.verdict)] += 1
                by_profile_functional.setdefault(profile, empty_counts())[
                    str(case.functional_verdict)
                ] += 1
        order = sorted(by_profile, key=profile_sort_key)
        return cls(
            total=total,
            by_verdict=by_verdict,
            by_functional_verdict=by_functional,
            by_profile={p: by_profile[p] for p in order},
            by_profile_functional={p: by_profile_functional[p] for p in order},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_verdict": self.by_verdict,
            "by_functional_verdict": self.by_functional_verdict,
            "by_profile": self.by_profile,
            "by_profile_functional": self.by_profile_functional,
        }


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` so that readers see either the old file or the whole new one.

    The temporary file sits in the same directory (os.replace is only atomic within one file
    system) and is created with mode 0o666 minus the umask, like a plain `open()` would, so a
    CI server can still publish the report (tempfile's 0o600 would hide it).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def report_document(run: RunInfo, cases: list[CaseResult]) -> dict[str, Any]:
    """The whole `conformance.json` document as plain data."""
    return {
        "tool": {"name": run.tool_name, "version": run.tool_version},
        "run_id": run.run_id,
        "dut": run.dut,
        "started": run.started,
        "finished": run.finished,
        "mode": run.mode,
        "seed": run.seed,
        "summary": Summary.of(cases).to_json(),
        "cases": [case.to_json() for case in cases],
    }


def encode_json(document: Any) -> bytes:
    """Readable UTF-8 JSON that survives lone surrogates in DUT-sent text.

    A frame may carry `"\\ud800"`, which json.loads turns into a lone surrogate that UTF-8
    cannot encode. Such characters can only occur inside JSON strings, where the
    `backslashreplace` spelling `\\ud800` is exactly the JSON escape that reads back to the
    same string, so the file stays valid and faithful without escaping all non-ASCII text.
    `default=str` keeps a stray non-JSON value in the DUT description (a Path, a date) from
    costing the whole report.
    """
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n"
    return text.encode("utf-8", errors="backslashreplace")


def write_json_report(report_dir: Path, run: RunInfo, cases: list[CaseResult]) -> Path:
    """Write `conformance.json` into `report_dir` and return its path."""
    return write_atomic(report_dir / JSON_NAME, encode_json(report_document(run, cases)))
