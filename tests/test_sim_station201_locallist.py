"""The reference 2.0.1 station's Local Authorization List on its own (no connection): the
SendLocalList / GetLocalListVersion rules (D01 / D02) and the list's say in authorization
before the cache and the CSMS (C13 / C14)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from conformance.sim.faults import ActiveFaults
from conformance.sim.station201_locallist import LocalAuthList
from conformance.sim.station201_model import build_model

A = {"idToken": "A", "type": "ISO14443"}
B = {"idToken": "B", "type": "ISO14443"}


def _list(*faults: str) -> tuple[LocalAuthList, list[str]]:
    asked: list[str] = []

    async def ask(token: Mapping[str, Any]) -> Mapping[str, Any]:
        asked.append(str(token["idToken"]))
        return {"status": "Accepted"}

    return LocalAuthList(build_model((1,), 0), ActiveFaults(faults), ask), asked


def _send(ll: LocalAuthList, version: int, kind: str, *items: dict[str, Any]) -> str:
    request: dict[str, Any] = {"versionNumber": version, "updateType": kind}
    if items:
        request["localAuthorizationList"] = list(items)
    answer = ll.on_send_local_list(request).payload
    assert answer is not None
    return str(answer["status"])


def _entry(token: dict[str, str], status: str | None = "Accepted") -> dict[str, Any]:
    return {"idToken": token, **({"idTokenInfo": {"status": status}} if status else {})}


def _version(ll: LocalAuthList) -> int:
    answer = ll.on_get_local_list_version({}).payload
    assert answer is not None
    return int(answer["versionNumber"])


def test_full_differential_and_version_rules() -> None:
    ll, _ = _list()
    assert _version(ll) == 0
    assert _send(ll, 0, "Full", _entry(A)) == "Failed"  # D01.FR.18
    assert _send(ll, 3, "Full", _entry(A), _entry(B)) == "Accepted"
    assert (_version(ll), ll.model.get("LocalAuthListCtrlr", "Entries")) == (3, "2")
    assert _send(ll, 3, "Differential", _entry(B, "Blocked")) == "VersionMismatch"
    assert _send(ll, 4, "Differential", _entry(A, None)) == "Accepted"  # removes A
    assert ll.entry("A") is None and ll.entry("B") == {"status": "Accepted"}
    assert _send(ll, 5, "Differential") == "Accepted"  # D01.FR.05: only the version
    assert (_version(ll), ll.model.get("LocalAuthListCtrlr", "Entries")) == (5, "1")
    assert _send(ll, 6, "Full") == "Accepted"  # D01.FR.04: emptied
    assert ll.model.get("LocalAuthListCtrlr", "Entries") == "0"
    ll.model.find("LocalAuthListCtrlr", "Enabled").value = "false"
    assert _version(ll) == 0  # D02.FR.03
    assert _send(ll, 7, "Full", _entry(A)) == "Failed"


def test_the_list_decides_before_the_csms() -> None:
    ll, asked = _list()
    ll.model.find("AuthCtrlr", "LocalPreAuthorize").value = "true"
    _send(ll, 1, "Full", _entry(A), _entry(B, "Invalid"))

    def decide(token: dict[str, str], online: bool = True) -> Mapping[str, Any] | None:
        return asyncio.run(
            ll.authorize(
                token, online=online, remote_allowed=True, cached=False, running_groups=set()
            )
        )

    assert decide(A) == {"status": "Accepted"} and asked == []  # C14.FR.02
    assert decide(B) == {"status": "Accepted"} and asked == ["B"]  # C14.FR.03: asked
    assert decide(B, online=False) == {"status": "Invalid"}  # C13.FR.04
    ll.model.find("LocalAuthListCtrlr", "DisablePostAuthorize").value = "true"
    assert decide(B) == {"status": "Invalid"} and asked == ["B"]
    assert decide({"idToken": "C", "type": "ISO14443"}) is None  # not in the list


def test_the_list_survives_a_reboot_unless_the_fault_is_on() -> None:
    for faults, kept in (((), 1), (("s201-local-list-lost-on-reboot",), 0)):
        ll, _ = _list(*faults)
        _send(ll, 2, "Full", _entry(A))
        ll.rebooted()
        assert _version(ll) == (2 if kept else 0)
        assert ll.model.get("LocalAuthListCtrlr", "Entries") == str(kept)
