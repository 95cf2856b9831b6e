"""The Local Authorization List of the 1.6 reference charge point (OCPP 1.6 sections 3.5.3,
5.10, 5.15; Local Auth List Management profile).

The Central System owns the list: a Full update replaces it, a Differential update adds,
changes (an entry with idTagInfo) or removes (an entry without) idTags and must carry a newer
listVersion. GetLocalListVersion reports 0 for an empty list; while LocalAuthListEnabled is
false the charge point reports -1, as a charge point without local list support does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.sim.faults import ActiveFaults
from conformance.sim.station16_config import Configuration


class LocalList:
    def __init__(self, config: Configuration, faults: ActiveFaults) -> None:
        self.config = config
        self.faults = faults
        self.version = 0
        self.entries: dict[str, dict[str, Any]] = {}  # idTag -> idTagInfo
        self.storage_ok = True  # False: the list cannot be stored (verb break_local_list_storage)

    @property
    def enabled(self) -> bool:
        return self.config.flag("LocalAuthListEnabled")

    def list_version(self) -> int:
        """GetLocalListVersion.conf listVersion (section 5.10)."""
        if not self.enabled and not self.faults.on("s16-disabled-list-version"):
            return -1
        if not self.entries and not self.faults.on("s16-empty-list-version"):
            return 0
        return self.version

    def update(self, p: Mapping[str, Any]) -> str:
        """SendLocalList.req -> SendLocalList.conf status (section 5.15)."""
        if not self.enabled:
            return "NotSupported"
        version = int(p["listVersion"])
        items = list(p.get("localAuthorizationList") or [])
        if len(items) > self.config.int("SendLocalListMaxLength"):
            return "Failed"
        if p["updateType"] == "Full":
            new: dict[str, dict[str, Any]] = {}
        else:
            if version <= self.version and not self.faults.on("s16-version-mismatch-accepted"):
                return "VersionMismatch"
            new = dict(self.entries)
        for item in items:
            id_tag = str(item["idTag"])
            info = item.get("idTagInfo")
            if info is None:
                new.pop(id_tag, None)
            else:
                new[id_tag] = dict(info)
        if len(new) > self.config.int("LocalAuthListMaxLength"):
            return "Failed"
        if not self.storage_ok:
            # The list could not be stored; a faulty charge point claims it was.
            return "Accepted" if self.faults.on("s16-local-list-failure-accepted") else "Failed"
        if p["updateType"] == "Differential" and self.faults.on("s16-differential-ignored"):
            return "Accepted"
        self.entries = new
        self.version = version
        return "Accepted"

    def lookup(self, id_tag: str) -> dict[str, Any] | None:
        """The idTagInfo the list holds for `id_tag` (None: not on the list, or not in use)."""
        if not self.enabled or self.faults.on("s16-local-list-ignored"):
            return None
        return self.entries.get(id_tag)
