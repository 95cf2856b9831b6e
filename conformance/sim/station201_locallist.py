"""The reference 2.0.1 station's Local Authorization List (D01 / D02) and its use (C13 / C14).

The list maps an idToken to the idTokenInfo the CSMS sent for it in a SendLocalListRequest.
A Full update replaces the list (D01.FR.04: an empty one clears it); a Differential update adds
or updates the entries that carry an idTokenInfo and removes those that do not
(D01.FR.16 / D01.FR.17), and is refused with VersionMismatch unless its versionNumber is higher
than the list's (D01.FR.19); an empty Differential update changes only the version
(D01.FR.05); a versionNumber of 0 or less is Failed (D01.FR.18). GetLocalListVersion answers
the list's version, 0 while the list is disabled (D02.FR.03). The list is kept as if in
non-volatile memory, so it survives a reboot.

Authorization (C13 offline, C14 online) asks the list first, before the cache: an idToken in
the list is decided by the list. Online with AuthCtrlr.LocalPreAuthorize true an Accepted entry
authorizes at once, with no AuthorizeRequest (C14.FR.02); an entry that is not Accepted is
asked at the CSMS again (C14.FR.03) unless LocalAuthListCtrlr.DisablePostAuthorize is true,
then it is refused at once. Offline, with AuthCtrlr.LocalAuthorizeOffline true, the entry's
status decides (C13.FR.01 / C13.FR.04).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from conformance.sim.faults import ActiveFaults, declarer
from conformance.sim.station201_link import Answer
from conformance.sim.station201_model import DeviceModel, Variable

_fault = declarer("station", ("2.0.1",))
_fault(
    "s201-local-list-version-not-stored",
    "an accepted SendLocalList does not set the list's version (GetLocalListVersion keeps the old)",
    "TC_D_01_CS",
    "TC_D_08_CS",
)
_fault(
    "s201-local-list-differential-failed",
    "a Differential SendLocalList with entries is answered Failed",
    "TC_D_02_CS",
    "TC_D_03_CS",
)
_fault(
    "s201-local-list-remove-ignored",
    "a Differential entry without idTokenInfo is not removed from the list",
    "TC_D_03_CS",
)
_fault(
    "s201-local-list-full-empty-kept",
    "a Full SendLocalList without entries leaves the old entries in the list",
    "TC_D_04_CS",
)
_fault(
    "s201-local-list-empty-differential-failed",
    "a Differential SendLocalList without entries is answered Failed",
    "TC_D_05_CS",
)
_fault(
    "s201-local-list-no-version-check",
    "a Differential SendLocalList with a versionNumber not above the list's is applied",
    "TC_D_06_CS",
)
_fault(
    "s201-local-list-lost-on-reboot",
    "the local authorization list is kept in volatile memory: a reboot empties it",
    "TC_D_07_CS",
)
_fault(
    "s201-local-list-version-when-disabled",
    "GetLocalListVersion reports the list's version although LocalAuthListCtrlr.Enabled is false",
    "TC_D_10_CS",
)
_fault(
    "s201-local-list-offline-ignored",
    "offline, the local authorization list is not consulted (only the cache)",
    "TC_C_21_CS",
)
_fault(
    "s201-local-list-status-ignored",
    "every idToken in the local authorization list is taken as Accepted, whatever its status",
    "TC_C_22_CS",
    "TC_C_23_CS",
    "TC_C_24_CS",
)
_fault(
    "s201-local-list-below-cache",
    "the authorization cache is consulted before the local authorization list",
    "TC_C_25_CS",
)
_fault(
    "s201-local-list-pre-authorize-ignored",
    "online, an Accepted idToken of the local list is still sent in an AuthorizeRequest",
    "TC_C_27_CS",
    "TC_C_40_CS",
)
_fault(
    "s201-local-list-no-post-authorize",
    "online, an idToken not Accepted in the local list is refused without asking the CSMS",
    "TC_C_28_CS",
    "TC_C_29_CS",
    "TC_C_30_CS",
    "TC_C_31_CS",
)
_fault(
    "s201-local-list-post-authorize-not-disabled",
    "LocalAuthListCtrlr.DisablePostAuthorize true, yet a not Accepted list idToken is asked",
    "TC_C_58_CS",
)
_fault(
    "s201-local-list-invalid-group-stops",
    "an idToken not Accepted in the local list stops a transaction of its groupIdToken",
    "TC_C_43_CS",
)

ITEMS_PER_MESSAGE = 16  # LocalAuthListCtrlr.ItemsPerMessage (SendLocalList entries)
BYTES_PER_MESSAGE = 8192  # LocalAuthListCtrlr.BytesPerMessage
STORAGE = 100  # at most this many entries (LocalAuthListCtrlr.Entries maxLimit)

# The answer of the CSMS to an AuthorizeRequest for an idToken: its idTokenInfo.
AskCsms = Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any]]]


def _variables() -> list[Variable]:
    def flag(name: str, value: bool, **kw: Any) -> Variable:
        return Variable(
            "LocalAuthListCtrlr", name, "true" if value else "false", data_type="boolean", **kw
        )

    def number(name: str, value: int, **kw: Any) -> Variable:
        return Variable(
            "LocalAuthListCtrlr", name, str(value), data_type="integer", min_limit=0, **kw
        )

    return [
        flag("Enabled", True),
        flag("Available", True, mutability="ReadOnly"),
        flag("DisablePostAuthorize", False),
        number("Entries", 0, mutability="ReadOnly"),
        number("ItemsPerMessage", ITEMS_PER_MESSAGE, mutability="ReadOnly"),
        number("BytesPerMessage", BYTES_PER_MESSAGE, mutability="ReadOnly"),
    ]


def csms_asker(
    send: Callable[[str, dict[str, Any]], Awaitable[Mapping[str, Any] | None]],
    store: Callable[[str, Mapping[str, Any]], None],
) -> AskCsms:
    """Authorize an idToken at the CSMS (C01) and cache the answer (C10.FR.04)."""

    async def ask(token: Mapping[str, Any]) -> Mapping[str, Any]:
        result = await send("Authorize", {"idToken": dict(token)})
        info = (result or {}).get("idTokenInfo") or {}
        if info.get("status") is not None:
            store(str(token["idToken"]), info)
        return info

    return ask


class LocalAuthList:
    """idToken -> idTokenInfo as the CSMS last sent it, and the list's versionNumber."""

    def __init__(self, model: DeviceModel, faults: ActiveFaults, ask: AskCsms) -> None:
        self.model = model
        self.faults = faults
        self.ask = ask
        self.version = 0
        self._entries: dict[str, dict[str, Any]] = {}
        model.add(*_variables())

    # -- D01 / D02 -------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.model.get_bool("LocalAuthListCtrlr", "Enabled")

    def on_get_local_list_version(self, p: Mapping[str, Any]) -> Answer:
        if not self.enabled and not self.faults.on("s201-local-list-version-when-disabled"):
            return Answer(payload={"versionNumber": 0})  # D02.FR.03
        return Answer(payload={"versionNumber": self.version})  # D02.FR.01 / D02.FR.02

    def on_send_local_list(self, p: Mapping[str, Any]) -> Answer:
        status, reason = self._apply(p)
        payload: dict[str, Any] = {"status": status}
        if reason:
            payload["statusInfo"] = {"reasonCode": reason}
        return Answer(payload=payload)

    def _apply(self, p: Mapping[str, Any]) -> tuple[str, str | None]:
        version = int(p["versionNumber"])
        items = list(p.get("localAuthorizationList") or [])
        if not self.enabled:
            return "Failed", "Disabled"
        if version <= 0:
            return "Failed", "InvalidValue"  # D01.FR.18
        keys = [str(i["idToken"]["idToken"]) + "\0" + str(i["idToken"]["type"]) for i in items]
        if len(set(keys)) != len(keys):
            return "Failed", "DuplicateIdToken"  # D01.FR.06: idTokens are unique
        if len(items) > ITEMS_PER_MESSAGE:
            return "Failed", "TooManyElements"
        if p["updateType"] == "Full":
            if any("idTokenInfo" not in i for i in items):
                return "Failed", "MissingIdTokenInfo"
            if len(items) > STORAGE:
                return "Failed", "OutOfStorage"
            if items or not self.faults.on("s201-local-list-full-empty-kept"):
                self._entries.clear()  # D01.FR.04: replaced (cleared by an empty list)
            for i in items:
                self._entries[str(i["idToken"]["idToken"])] = dict(i["idTokenInfo"])
        else:
            stale = version <= self.version
            if stale and not self.faults.on("s201-local-list-no-version-check"):
                return "VersionMismatch", None  # D01.FR.19
            if not items and self.faults.on("s201-local-list-empty-differential-failed"):
                return "Failed", None
            if items and self.faults.on("s201-local-list-differential-failed"):
                return "Failed", None
            after = dict(self._entries)
            for i in items:
                token = str(i["idToken"]["idToken"])
                if "idTokenInfo" in i:
                    after[token] = dict(i["idTokenInfo"])  # D01.FR.16: added or updated
                elif not self.faults.on("s201-local-list-remove-ignored"):
                    after.pop(token, None)  # D01.FR.17: removed
            if len(after) > STORAGE:
                return "Failed", "OutOfStorage"
            self._entries = after  # D01.FR.05: an empty update changes only the version
        if not self.faults.on("s201-local-list-version-not-stored"):
            self.version = version  # D01.FR.01
        self._count()
        return "Accepted", None

    def _count(self) -> None:
        self.model.find("LocalAuthListCtrlr", "Entries").value = str(len(self._entries))

    def rebooted(self) -> None:
        """The list is persistent over a reboot (unless the fault makes it not)."""
        if self.faults.on("s201-local-list-lost-on-reboot"):
            self._entries.clear()
            self.version = 0
            self._count()

    # -- C13 / C14 -------------------------------------------------------------------------

    def entry(self, id_token: str) -> dict[str, Any] | None:
        """The idTokenInfo the enabled list holds for `id_token`, or None."""
        if not self.enabled:
            return None
        return self._entries.get(id_token)

    async def authorize(
        self,
        token: Mapping[str, Any],
        *,
        online: bool,
        remote_allowed: bool,
        cached: bool,
        running_groups: set[str],
    ) -> Mapping[str, Any] | None:
        """The idTokenInfo that decides `token` when the list knows it (None: it does not, the
        cache and the CSMS decide as without a list). `cached`: the cache holds the idToken;
        `running_groups`: the groupIdTokens of the ongoing transactions."""
        info = self.entry(str(token["idToken"]))
        if info is None:
            return None
        if cached and self.faults.on("s201-local-list-below-cache"):
            return None
        accepted = info.get("status") == "Accepted"
        if self.faults.on("s201-local-list-status-ignored"):
            accepted = True
            info = {**info, "status": "Accepted"}
        group = (info.get("groupIdToken") or {}).get("idToken")
        if (
            not accepted
            and group in running_groups
            and self.faults.on("s201-local-list-invalid-group-stops")
        ):
            return {**info, "status": "Accepted"}
        if not online:
            if self.faults.on("s201-local-list-offline-ignored"):
                return None
            if self.model.get_bool("AuthCtrlr", "LocalAuthorizeOffline"):
                return info  # C13.FR.01; not Accepted: not authorized (C13.FR.04)
            return {"status": "Invalid"}
        if not remote_allowed:
            return info  # DisableRemoteAuthorization: only the local sources decide
        if accepted:
            pre_authorize = self.model.get_bool("AuthCtrlr", "LocalPreAuthorize")
            if pre_authorize and not self.faults.on("s201-local-list-pre-authorize-ignored"):
                return info  # C14.FR.02: authorized at once
            return await self.ask(token)
        no_post = self.model.get_bool("LocalAuthListCtrlr", "DisablePostAuthorize")
        if self.faults.on("s201-local-list-post-authorize-not-disabled"):
            no_post = False
        if no_post:
            return info  # refused from the list alone
        if self.faults.on("s201-local-list-no-post-authorize"):
            return info
        return await self.ask(token)  # C14.FR.03: the CSMS may know better
