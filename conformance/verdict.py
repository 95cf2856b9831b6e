"""Findings and verdicts.

A case does not simply pass or fail: it collects *findings* while it runs, and the verdict is
derived from them. One run yields two verdicts (DESIGN.md, "Verdicts"):

* **strict** — every violation fails the case ("certifiable as is");
* **functional** — only findings that break the scenario's outcome fail it
  ("interoperable today"): a missing answer, a wrong status, a CALLERROR where a result was
  due. A schema violation in an otherwise working exchange is strict-only.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    """How bad a finding is: `violation` breaks a MUST, `warning` a SHOULD or common practice."""

    VIOLATION = "violation"
    WARNING = "warning"


class Verdict(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"


@dataclass(frozen=True)
class Finding:
    """One observation about the DUT (or, for ERROR, about the set-up).

    `breaks_scenario` marks findings that also fail the functional verdict. `frame` is the raw
    text of the frame the finding concerns (if any), so a reader can see exactly what was
    received without opening the trace.
    """

    severity: Severity
    message: str
    breaks_scenario: bool = False
    frame: str | None = None
    requirement: str | None = None
    at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": str(self.severity),
            "message": self.message,
            "breaks_scenario": self.breaks_scenario,
            "frame": self.frame,
            "at": self.at,
        }
        if self.requirement:
            out["requirement"] = self.requirement
        return out


class CaseFailed(Exception):
    """Raised to end a case early: the finding has already been recorded."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


class NotApplicable(Exception):
    """Raised by the harness when a case cannot apply to this DUT (PICS, missing verb)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Findings:
    """The findings of one case, shared by every connection the case opens."""

    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(self, finding: Finding) -> Finding:
        self.items.append(finding)
        return finding

    def violation(
        self,
        message: str,
        *,
        breaks_scenario: bool = False,
        frame: str | None = None,
        requirement: str | None = None,
    ) -> Finding:
        return self.add(Finding(Severity.VIOLATION, message, breaks_scenario, frame, requirement))

    def warning(self, message: str, *, frame: str | None = None) -> Finding:
        return self.add(Finding(Severity.WARNING, message, False, frame))

    def fail(
        self, message: str, *, frame: str | None = None, requirement: str | None = None
    ) -> CaseFailed:
        """Record a scenario-breaking violation and return the exception that ends the case."""
        return CaseFailed(
            self.violation(message, breaks_scenario=True, frame=frame, requirement=requirement)
        )

    def verdicts(self) -> tuple[Verdict, Verdict]:
        """(strict, functional) verdicts of a case that ran to its end or was failed."""
        strict = Verdict.PASS
        functional = Verdict.PASS
        for f in self.items:
            if f.severity is Severity.VIOLATION:
                strict = Verdict.FAIL
                if f.breaks_scenario:
                    functional = Verdict.FAIL
        return strict, functional


@dataclass
class CaseResult:
    """What the report writers get for one catalogue case."""

    id: str
    title: str
    block: str
    profiles: list[str]
    version: str
    role: str
    verdict: Verdict
    functional_verdict: Verdict
    findings: list[Finding] = field(default_factory=list)
    duration_s: float = 0.0
    trace: str | None = None
    reason: str | None = None
    nodeid: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "block": self.block,
            "profiles": self.profiles,
            "version": self.version,
            "role": self.role,
            "verdict": str(self.verdict),
            "functional_verdict": str(self.functional_verdict),
            "findings": [f.to_json() for f in self.findings],
            "duration_s": round(self.duration_s, 4),
            "trace": self.trace,
            "reason": self.reason,
            "nodeid": self.nodeid,
        }
