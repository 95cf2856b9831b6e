"""Fault injection for the reference DUTs: named, documented deviations from the spec.

Each simulator declares its faults here with one line of description; `--fault NAME` switches
one on, and the simulator's code asks `faults.on("name")` at the point where it deviates.
The mutation run starts each fault in turn and checks that some case catches it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    dut: str  # "station" or "csms"
    versions: tuple[str, ...]  # OCPP versions the fault exists for
    description: str
    caught_by: tuple[str, ...] = ()  # case ids expected to catch it (mutation run hint)
    # Profile settings (key, TOML value) of the variant the catching cases need, e.g. a
    # station that cannot reset one EVSE (the reference DUT started with that option): [pixit]
    # keys, or the [pics] `profiles` a station without Smart Charging claims.
    pixit: tuple[tuple[str, str], ...] = ()


REGISTRY: dict[str, Fault] = {}
DUTS = frozenset({"station", "csms"})  # which reference DUT a fault is injected into


def declare(
    name: str,
    dut: str,
    versions: tuple[str, ...],
    description: str,
    caught_by: tuple[str, ...] = (),
    pixit: tuple[tuple[str, str], ...] = (),
) -> Fault:
    if dut not in DUTS:
        # The mutation run starts the reference DUT a fault belongs to by this name.
        raise ValueError(f"fault {name!r}: dut must be one of {sorted(DUTS)}, not {dut!r}")
    fault = Fault(name, dut, versions, description, caught_by, pixit)
    if name in REGISTRY and REGISTRY[name] != fault:
        raise ValueError(f"fault {name!r} declared twice with different facts")
    REGISTRY[name] = fault
    return fault


def declarer(dut: str, versions: tuple[str, ...]) -> Callable[..., Fault]:
    """One simulator's `_fault(name, description, *caught_by)`: `declare` with its DUT and
    OCPP versions filled in, so each declaration reads as one line of the fault list."""

    def fault(name: str, description: str, *caught_by: str) -> Fault:
        return declare(name, dut, versions, description, caught_by)

    return fault


class ActiveFaults:
    """The faults switched on for one simulator process."""

    def __init__(self, names: list[str] | tuple[str, ...] = ()) -> None:
        unknown = [n for n in names if n and n not in REGISTRY]
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(unknown)} (see --list-faults)")
        self.names = frozenset(n for n in names if n)

    def on(self, name: str) -> bool:
        if name not in REGISTRY:
            raise KeyError(f"fault {name!r} is not declared")  # catches typos in the sims
        return name in self.names
