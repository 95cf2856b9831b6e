"""The reference 2.0.1 CSMS's Local Authorization List (functional block D, Local Auth List
Management profile).

D01: the operator sends a station a list. Full replaces the station's list: the idTokens the
operator names, else the CSMS's own valid idTokens, or none at all to empty it (clear). A
Differential update adds or updates the named idTokens, or removes them: entries without
idTokenInfo (D01.FR.17). Every entry that adds an idToken carries the idTokenInfo the CSMS
would answer an AuthorizeRequest with (status and groupIdToken, C09.FR.02), every idToken
appears once (D01.FR.06), and versionNumber is one above the version the CSMS knows the
station to have (D01.FR.01), never 0 (D01.FR.18). The CSMS takes a list on only when the
station answers Accepted. D02: the operator asks a station for its list version; the CSMS
takes the reported version as the station's. N10.FR.02: once a station accepted a
CustomerInformationRequest that clears a customer named by an idToken on the station's list,
the CSMS removes that idToken from the list with a Differential update.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.sim.control import VerbError, VerbHandler
from conformance.sim.csms201_certificates import CsmsRequests, verb_handlers
from conformance.sim.csms201_link import StationLink
from conformance.sim.csms201_state import Csms201State
from conformance.sim.faults import declarer

_fault = declarer("csms", ("2.0.1",))

_fault(
    "c201-local-list-no-idtokeninfo",
    "SendLocalList entries that add idTokens carry no idTokenInfo (so they remove them)",
    "TC_D_01_CSMS",
    "TC_D_02_CSMS",
    "TC_C_40_CSMS",
)
_fault(
    "c201-local-list-no-group",
    "SendLocalList entries of grouped idTokens carry no groupIdToken in their idTokenInfo",
    "TC_C_40_CSMS",
)
_fault(
    "c201-local-list-version-zero",
    "a Full SendLocalList carries versionNumber 0 (D01.FR.18: above 0)",
    "TC_D_01_CSMS",
    "TC_D_04_CSMS",
)
_fault(
    "c201-local-list-full-as-differential",
    "a Full list is sent with updateType Differential",
    "TC_D_01_CSMS",
    "TC_D_04_CSMS",
)
_fault(
    "c201-local-list-duplicate-entry",
    "a Full SendLocalList names its first idToken twice (D01.FR.06: unique)",
    "TC_D_01_CSMS",
)
_fault(
    "c201-local-list-stale-version",
    "a Differential SendLocalList repeats the version of the list it updates",
    "TC_D_02_CSMS",
    "TC_D_03_CSMS",
    "TC_N_46_CSMS",
)
_fault(
    "c201-local-list-remove-keeps-info",
    "a Differential removal carries idTokenInfo (so the station keeps the idToken)",
    "TC_D_03_CSMS",
    "TC_N_46_CSMS",
)
_fault(
    "c201-local-list-clear-not-empty",
    "clearing the local list sends the CSMS's own idTokens instead of an empty Full list",
    "TC_D_04_CSMS",
)
_fault(
    "c201-get-list-version-extra-field",
    "GetLocalListVersion carries a field its (empty) schema does not allow",
    "TC_D_08_CSMS",
    "TC_D_09_CSMS",
)
_fault(
    "c201-get-list-version-not-sent",
    "the get_local_list_version operator action sends no GetLocalListVersionRequest",
    "TC_D_08_CSMS",
    "TC_D_09_CSMS",
)
_fault(
    "c201-cleared-customer-kept-in-list",
    "after a station cleared a customer's data, its idToken stays on the station's local list",
    "TC_N_46_CSMS",
)

UPDATE_TYPES = ("Full", "Differential")


@dataclass
class StationList:
    """The Local Authorization List the CSMS knows a station to have."""

    version: int = 0  # 0: no list installed (D02)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # idToken -> idToken obj
    # One list request at a time per station: each one's versionNumber follows from the
    # answer to the one before it (a GetLocalListVersion, an accepted or refused update).
    busy: asyncio.Lock = field(default_factory=asyncio.Lock)

    def to_json(self) -> dict[str, Any]:
        return {"versionNumber": self.version, "idTokens": sorted(self.entries)}


def _id_tokens(raw: Any) -> list[dict[str, str]]:
    """A verb's id_tokens: a list of idToken strings or {idToken, type} objects, or a comma
    separated string (a command or prompt driver)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [t for t in raw.split(",") if t.strip()]
    if not isinstance(raw, list):
        raise ValueError("id_tokens must be a list of idTokens")
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            out.append(
                {"idToken": str(item["idToken"]), "type": str(item.get("type") or "ISO14443")}
            )
        else:
            out.append({"idToken": str(item).strip(), "type": "ISO14443"})
    return out


class LocalListVerbs(CsmsRequests):
    """The operator verbs of block D (mixed into the 2.0.1 reference CSMS)."""

    local_list_verbs = (
        "send_local_list",
        "remove_from_local_list",
        "clear_local_list",
        "get_local_list_version",
    )
    state: Csms201State

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local_lists: dict[str, StationList] = {}

    def _verbs(self) -> dict[str, VerbHandler]:
        verbs = super()._verbs()
        verbs.update(verb_handlers({n: getattr(self, f"verb_{n}") for n in self.local_list_verbs}))
        return verbs

    def state_json(self) -> Mapping[str, Any]:
        out = dict(super().state_json())
        for sid, station in out.get("stations", {}).items():
            if sid in self.local_lists:
                station["localList"] = self.local_lists[sid].to_json()
        return out

    def local_list(self, station_id: str) -> StationList:
        known = self.local_lists.get(station_id)
        if known is None:
            known = self.local_lists[station_id] = StationList()
        return known

    # -- operator verbs --------------------------------------------------------------------

    def verb_send_local_list(self, args: Mapping[str, Any]) -> Any:
        """Full: the given id_tokens, else the CSMS's own valid idTokens; Differential: add
        or update the given id_tokens."""
        update = str(args.get("update_type") or "Full")
        if update not in UPDATE_TYPES:
            raise ValueError(f"update_type is Full or Differential, not {update!r}")
        tokens = _id_tokens(args.get("id_tokens"))
        if not tokens and update == "Full":
            tokens = [{"idToken": t, "type": "ISO14443"} for t in self.options.valid_tokens]
        if not tokens:
            raise VerbError("a Differential update needs id_tokens to add")
        entries = [{"idToken": t, "idTokenInfo": self._entry_info(t)} for t in tokens]
        if self.faults.on("c201-local-list-no-idtokeninfo"):
            entries = [{"idToken": e["idToken"]} for e in entries]
        if update == "Full" and self.faults.on("c201-local-list-duplicate-entry"):
            entries.append(dict(entries[0]))
        return self._send_list(args, update, entries)

    def verb_remove_from_local_list(self, args: Mapping[str, Any]) -> Any:
        """A Differential update that removes the given id_tokens (no idTokenInfo)."""
        tokens = _id_tokens(args.get("id_tokens"))
        if not tokens:
            raise VerbError("id_tokens to remove are required")
        return self._send_list(args, "Differential", self._removals(tokens))

    def verb_clear_local_list(self, args: Mapping[str, Any]) -> Any:
        """A Full update without entries: the station's list becomes empty."""
        if self.faults.on("c201-local-list-clear-not-empty"):
            return self.verb_send_local_list({**args, "update_type": "Full", "id_tokens": None})
        return self._send_list(args, "Full", [])

    def verb_get_local_list_version(self, args: Mapping[str, Any]) -> Any:
        link = self._link(args)
        if self.faults.on("c201-get-list-version-not-sent"):
            return {"action": "GetLocalListVersion"}
        payload: dict[str, Any] = {}
        if self.faults.on("c201-get-list-version-extra-field"):
            payload["evseId"] = 0
        self.spawn(self._get_version(link, payload))
        return {"action": "GetLocalListVersion", "request": payload}

    # -- sending and bookkeeping -----------------------------------------------------------

    def _entry_info(self, token: Mapping[str, str]) -> dict[str, Any]:
        info = self.state.token_info(token["idToken"])
        if self.faults.on("c201-local-list-no-group"):
            info.pop("groupIdToken", None)
        return info

    def _removals(self, tokens: list[dict[str, str]]) -> list[dict[str, Any]]:
        if self.faults.on("c201-local-list-remove-keeps-info"):
            return [{"idToken": t, "idTokenInfo": self._entry_info(t)} for t in tokens]
        return [{"idToken": t} for t in tokens]

    def _next_version(self, station_id: str, update: str) -> int:
        known = self.local_list(station_id).version
        if update == "Full" and self.faults.on("c201-local-list-version-zero"):
            return 0
        if update == "Differential" and self.faults.on("c201-local-list-stale-version"):
            return max(known, 1)
        return max(known, 0) + 1

    def _send_list(
        self, args: Mapping[str, Any], update: str, entries: list[dict[str, Any]]
    ) -> Any:
        link = self._link(args)
        self.spawn(self._send_and_record(link, update, entries))
        return {"action": "SendLocalList", "updateType": update, "entries": len(entries)}

    async def _send_and_record(
        self, link: StationLink, update: str, entries: list[dict[str, Any]]
    ) -> None:
        """Send the list, versioned after what the CSMS knows of the station's list once
        every earlier list request has its answer; an accepted list is the station's."""
        known = self.local_list(link.station_id)
        async with known.busy:
            sent = update
            if update == "Full" and self.faults.on("c201-local-list-full-as-differential"):
                sent = "Differential"
            payload: dict[str, Any] = {
                "versionNumber": self._next_version(link.station_id, update),
                "updateType": sent,
            }
            if entries:
                payload["localAuthorizationList"] = entries
            answer = await self.perform_answered(link, "SendLocalList", payload)
            if answer.get("status") == "Accepted":
                self._took_on(known, payload, full=update == "Full")

    @staticmethod
    def _took_on(known: StationList, payload: Mapping[str, Any], *, full: bool) -> None:
        """The station accepted the list: apply it to what the CSMS knows of its list (a
        Failed or VersionMismatch answer leaves the station's list as it was)."""
        entries = {} if full else dict(known.entries)
        for item in payload.get("localAuthorizationList") or []:
            token = item["idToken"]
            if "idTokenInfo" in item:
                entries[token["idToken"]] = dict(token)
            else:
                entries.pop(token["idToken"], None)
        known.entries = entries
        known.version = int(payload["versionNumber"])

    async def _get_version(self, link: StationLink, payload: dict[str, Any]) -> None:
        known = self.local_list(link.station_id)
        async with known.busy:
            answer = await self.perform_answered(link, "GetLocalListVersion", payload)
            version = answer.get("versionNumber")
            if isinstance(version, int) and version >= 0:
                known.version = version
                if version == 0:
                    known.entries = {}  # no list installed

    async def _perform(self, link: StationLink, action: str, payload: dict[str, Any]) -> None:
        await super()._perform(link, action, payload)
        if action == "CustomerInformation" and payload.get("clear"):
            self._customer_cleared(link, payload)

    def _customer_cleared(self, link: StationLink, payload: Mapping[str, Any]) -> None:
        """N10.FR.02: a customer whose data the station cleared leaves its local list."""
        answer = self.state.record(link.station_id).responses.get("CustomerInformation") or {}
        token = payload.get("idToken")
        known = self.local_list(link.station_id)
        if answer.get("status") != "Accepted" or not token or token["idToken"] not in known.entries:
            return
        if self.faults.on("c201-cleared-customer-kept-in-list"):
            return
        entries = self._removals([dict(known.entries[token["idToken"]])])
        self.spawn(self._send_and_record(link, "Differential", entries))


__all__ = ["LocalListVerbs"]
