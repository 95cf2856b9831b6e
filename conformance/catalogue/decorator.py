"""`@testcase("TC_B_01_CS")`: ties an async case function to its catalogue entry.

The decorator turns the coroutine into a plain pytest test function that the plugin runs on
its event loop, adds markers (version, role, block, certification profiles) so `-m` works as
pytest users expect, and registers the case so the catalogue view can count what is
implemented. Applicability (PICS features, operator verbs) is declared here, so the plugin
decides NOT APPLICABLE with a reason before the case touches the DUT.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from conformance.catalogue.entries import Entry, load_catalogue

CaseFn = Callable[..., Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class CaseSpec:
    entry: Entry
    fn: CaseFn
    features: tuple[str, ...]
    verbs: tuple[str, ...]
    params: tuple[str, ...]
    security_profiles: tuple[int, ...] = ()  # empty: any security profile


# Keyed like the coverage view counts: the bare id for the entry a bare id resolves to, the
# qualified "2.1:TC_B_01_CS" for another version's entry of a shared id.
REGISTRY: dict[str, CaseSpec] = {}


def registry_key(entry: Entry) -> str:
    return entry.id if load_catalogue().get(entry.id) is entry else entry.key


def is_implemented(entry: Entry) -> bool:
    return registry_key(entry) in REGISTRY


VERSION_MARKERS = {"1.6": "ocpp16", "2.0.1": "ocpp201", "2.1": "ocpp21"}


def testcase(
    case_id: str,
    *,
    features: tuple[str, ...] = (),
    verbs: tuple[str, ...] = (),
    security_profiles: tuple[int, ...] = (),
    version: str | None = None,
) -> Callable[[CaseFn], Callable[..., None]]:
    """Declare the catalogue case a function implements.

    `version`: for an id several OCPP versions share (2.1 reuses most 2.0.1 ids), the version
    the case is written for; without it the id means its official entry (2.0.1 before 2.1).

    `features`: PICS features the DUT must claim for the case to apply (else NOT APPLICABLE).
    `verbs`: operator verbs the case needs; a driver that cannot do one makes it N/A.
    `security_profiles`: the OCPP security profiles the case is written for (e.g. basic auth
    needs 1 or 2, a client certificate 3); a DUT profile running another one makes it N/A.
    """
    if any(sp not in (0, 1, 2, 3) for sp in security_profiles):
        raise ValueError(f"@testcase({case_id!r}): security profiles are 0-3")
    entry = load_catalogue().get(case_id, version)
    if entry is None:
        raise ValueError(f"@testcase({case_id!r}): not in the catalogue")
    key = registry_key(entry)

    def decorate(fn: CaseFn) -> Callable[..., None]:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"@testcase({case_id!r}) must decorate an async def")
        if key in REGISTRY and REGISTRY[key].fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"{key} is implemented twice")
        params = tuple(inspect.signature(fn).parameters)
        spec = CaseSpec(entry, fn, tuple(features), tuple(verbs), params, tuple(security_profiles))
        REGISTRY[key] = spec

        @functools.wraps(fn)
        def run(ocpp_runtime: Any) -> None:
            ocpp_runtime.run_case(spec)

        # pytest must see only the runtime fixture, not the case's own parameters.
        run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter("ocpp_runtime", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        )
        run.__dict__.pop("__wrapped__", None)
        run.ocpp_spec = spec  # type: ignore[attr-defined]  # for reuse_for()
        marks = [
            pytest.mark.ocpp_case(key),
            getattr(pytest.mark, VERSION_MARKERS[entry.version]),
            getattr(pytest.mark, entry.role.lower()),
            getattr(pytest.mark, entry.block_marker),
            *(getattr(pytest.mark, m) for m in entry.profile_markers),
        ]
        out: Callable[..., None] = run
        for mark in marks:
            out = mark(out)
        return out

    return decorate


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def reuse_for(version: str, case: Callable[..., None]) -> Callable[..., None] | None:
    """`case` (a decorated case of another version) registered for `version` as well, when
    that version's catalogue has an entry with the same id, role and title: the same
    scenario, run against a DUT of `version` (its frames checked against `version`'s
    schemas). None when the entry is missing or differs."""
    spec: CaseSpec | None = getattr(case, "ocpp_spec", None)
    if spec is None:
        raise TypeError(f"{case!r} is not a @testcase function")
    entry = load_catalogue().get(spec.entry.id, version)
    if (
        entry is None
        or entry.role != spec.entry.role
        or not _same_title(entry.title, spec.entry.title)
    ):
        return None
    return testcase(
        entry.id,
        features=spec.features,
        verbs=spec.verbs,
        security_profiles=spec.security_profiles,
        version=version,
    )(spec.fn)


def reuse_module_cases(
    version: str, modules: Iterable[ModuleType]
) -> dict[str, Callable[..., None]]:
    """Every case of `modules` that `reuse_for` registers for `version`, by a test name
    (test_<id>) for the reusing module's globals, so pytest collects them there."""
    out: dict[str, Callable[..., None]] = {}
    for module in modules:
        for value in list(vars(module).values()):
            if getattr(value, "ocpp_spec", None) is None:
                continue
            reused = reuse_for(version, value)
            if reused is not None:
                out[f"test_{value.ocpp_spec.entry.id}"] = reused
    return out


# `from ... import testcase` in a test module must not be collected as a test itself.
testcase.__test__ = False  # type: ignore[attr-defined]


def all_markers() -> list[tuple[str, str]]:
    """Every marker the decorator may set, with a help line (registered by the plugin)."""
    cat = load_catalogue()
    out = {
        "ocpp_case(id)": "the catalogue test-case id this test implements",
        "ocpp16": "OCPP 1.6 case",
        "ocpp201": "OCPP 2.0.1 case",
        "ocpp21": "OCPP 2.1 case",
        "cs": "the DUT is a charging station",
        "csms": "the DUT is a CSMS",
    }
    for e in cat:
        out.setdefault(e.block_marker, f"functional block: {e.block}")
        for m, p in zip(e.profile_markers, e.profiles, strict=True):
            out.setdefault(m, f"certification profile: {p}")
    return sorted(out.items())
