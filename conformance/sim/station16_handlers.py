"""How the 1.6 reference charge point answers the Central System's requests (Core, Local Auth
List Management, Remote Trigger, Reservation).

Each handler decides at once from the charge point's state and returns the follow-up work
(a reboot, an Authorize and a transaction, a stop) as `then`, which runs after the answer is on
the wire: response first, then the messages it announced (OCPP 1.6 section 5).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from conformance.ocppj import Call
from conformance.sim.station16_link import Answer

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16

SUPPORTED: frozenset[str] = frozenset(
    {
        "CancelReservation",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "ClearChargingProfile",
        "DataTransfer",
        "GetCompositeSchedule",
        "GetConfiguration",
        "GetDiagnostics",
        "GetLocalListVersion",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "TriggerMessage",
        "UnlockConnector",
        "UpdateFirmware",
    }
)

VENDOR_ID = "org.ocpp-conformance"  # the one vendor whose DataTransfer the station knows


def _ok(payload: Mapping[str, Any], then: Callable[[], Awaitable[None]] | None = None) -> Answer:
    return Answer(payload=payload, then=then)


class RequestHandlers:
    def __init__(self, station: ReferenceStation16) -> None:
        self.st = station
        self.faults = station.faults
        self.config = station.config
        self.tx = station.tx

    def handle(self, call: Call) -> Answer:
        method = getattr(self, "on_" + call.action, None)
        if method is None:
            secured = self.st.security.handle(call)  # the security extension's requests
            if secured is not None:
                return secured
            return Answer(error="NotSupported", description=f"{call.action} is not supported")
        answer: Answer = method(call.payload)
        return answer

    # -- configuration (sections 5.3, 5.8) -------------------------------------------------

    def on_GetConfiguration(self, p: Mapping[str, Any]) -> Answer:
        report = self.config.report(list(p.get("key") or []))
        if not p.get("key") and self.faults.on("s16-getconfiguration-missing-key"):
            report["configurationKey"] = [
                k for k in report["configurationKey"] if k["key"] != "ConnectorPhaseRotation"
            ]
        return _ok(report)

    def on_ChangeConfiguration(self, p: Mapping[str, Any]) -> Answer:
        key, value = str(p["key"]), str(p["value"])
        secured = self.st.security.on_change_configuration(key, value)
        if secured is not None:
            return secured  # SecurityProfile, AuthorizationKey (station16_security)
        known = key in self.config.keys
        if not known and self.faults.on("s16-unknown-key-rejected"):
            return _ok({"status": "Rejected"})
        if known and self.faults.on("s16-invalid-value-accepted"):
            self.config.set(key, value)
            return _ok({"status": "Accepted"})
        if known and self.faults.on("s16-change-not-applied"):
            return _ok({"status": "Accepted"})
        status = self.config.change(key, value)
        if status == "Accepted" and key == "HeartbeatInterval":
            self.st.heartbeat_changed()
        if status == "Accepted" and key == "ClockAlignedDataInterval":
            self.st.clock_changed()
        return _ok({"status": status})

    # -- authorization cache (section 5.4) -------------------------------------------------

    def on_ClearCache(self, p: Mapping[str, Any]) -> Answer:
        if not self.faults.on("s16-cache-not-cleared"):
            self.st.auth.cache.clear()
        return _ok({"status": "Accepted"})

    # -- Local Authorization List (sections 5.10, 5.15) ------------------------------------

    def on_GetLocalListVersion(self, p: Mapping[str, Any]) -> Answer:
        return _ok({"listVersion": self.st.local_list.list_version()})

    def on_SendLocalList(self, p: Mapping[str, Any]) -> Answer:
        return _ok({"status": self.st.local_list.update(p)})

    # -- TriggerMessage (section 5.17) -----------------------------------------------------

    def on_TriggerMessage(self, p: Mapping[str, Any]) -> Answer:
        requested = str(p["requestedMessage"])
        connector_id = p.get("connectorId")
        known = connector_id is None or int(connector_id) in self.tx.connectors
        if requested == "StatusNotification" and connector_id == 0:
            known = True  # connectorId 0 is the charge point as a whole
        if not known and not self.faults.on("s16-trigger-unknown-connector-accepted"):
            return _ok({"status": "Rejected"})
        ids = [int(connector_id)] if connector_id is not None else None

        async def go() -> None:
            if self.faults.on("s16-trigger-not-sent"):
                return
            if requested == "MeterValues":
                valid = [i for i in ids or list(self.tx.connectors) if i in self.tx.connectors]
                self.tx.triggered_meter_values(valid)
            elif requested == "StatusNotification":
                for i in ids if ids is not None else [0, *self.tx.connectors]:
                    if i == 0 or i in self.tx.connectors:
                        self.st.send_status(i)
            elif requested == "Heartbeat":
                self.st.send("Heartbeat", {})
            elif requested == "BootNotification":
                self.st.send("BootNotification", self.st.boot_payload())
            elif requested == "DiagnosticsStatusNotification":
                status = self.st.firmware.diagnostics_status
                self.st.send("DiagnosticsStatusNotification", {"status": status})
            elif requested == "FirmwareStatusNotification":
                status = self.st.firmware.firmware_status
                self.st.send("FirmwareStatusNotification", {"status": status})

        return _ok({"status": "Accepted"}, go)

    # -- DataTransfer (section 5.6) --------------------------------------------------------

    def on_DataTransfer(self, p: Mapping[str, Any]) -> Answer:
        if p.get("vendorId") != VENDOR_ID:
            if self.faults.on("s16-datatransfer-callerror"):
                return Answer(error="NotSupported", description="DataTransfer")
            return _ok({"status": "UnknownVendorId"})
        if p.get("messageId") not in (None, "Echo"):
            return _ok({"status": "UnknownMessageId"})
        out: dict[str, Any] = {"status": "Accepted"}
        if "data" in p:
            out["data"] = p["data"]
        return _ok(out)

    # -- availability (section 5.2) --------------------------------------------------------

    def on_ChangeAvailability(self, p: Mapping[str, Any]) -> Answer:
        connector_id = int(p["connectorId"])
        operative = p["type"] == "Operative"
        if connector_id == 0:
            targets = list(self.tx.connectors.values())
        elif connector_id in self.tx.connectors:
            targets = [self.tx.connectors[connector_id]]
        else:
            return _ok({"status": "Rejected"})
        busy = [c for c in targets if c.tx is not None]
        if connector_id == 0:
            # The whole charge point: a running transaction goes on, its connector becomes
            # Unavailable when it ends (status() checks the transaction first).
            self.tx.cp_operative = operative
            self.st.connector_changed(0)
        else:
            c = targets[0]
            if c.tx is not None:
                c.scheduled = operative if operative != c.operative else None
            else:
                c.operative = operative
        for c in targets:
            self.st.connector_changed(c.id)
        return _ok({"status": "Scheduled" if busy and not operative else "Accepted"})

    # -- remote start / stop (sections 5.11, 5.12) -----------------------------------------

    def on_RemoteStartTransaction(self, p: Mapping[str, Any]) -> Answer:
        id_tag = str(p["idTag"])
        if self.st.smart.remote_start_problem(p) is not None:
            return _ok({"status": "Rejected"})  # its chargingProfile is no TxProfile (5.11)
        connector_id = p.get("connectorId")
        rs = self.st.reservations
        if connector_id is None:
            candidates = [
                c
                for c in self.tx.connectors.values()
                if self.tx.usable(c) and rs.allows(c, id_tag, None)
            ]
            plugged = [c for c in candidates if c.plugged and not c.finishing]
            target = next(iter(plugged or candidates), None)
        elif int(connector_id) == 0 and not self.faults.on("s16-remote-start-connector0"):
            target = None  # section 5.11: connectorId SHALL be > 0
        else:
            target = self.tx.connectors.get(max(int(connector_id), 1))
        busy = target is not None and target.tx is not None
        if busy and self.faults.on("s16-remote-start-busy-accepted"):
            return _ok({"status": "Accepted"})
        if target is None or not self.tx.usable(target) or target.pending is not None:
            return _ok({"status": "Rejected"})
        if not rs.allows(target, id_tag, None) and not rs.may_need_parent(target):
            return _ok({"status": "Rejected"})  # reserved for another idTag (section 5.13)
        target.pending = (id_tag, None)  # reserved for this idTag while it is authorized
        self.st.smart.remote_start(target.id, p)  # its TxProfile, for the coming transaction

        async def go() -> None:
            await self.st.auth.remote_authorize(target, id_tag)

        return _ok({"status": "Accepted"}, go)

    def on_RemoteStopTransaction(self, p: Mapping[str, Any]) -> Answer:
        c = self.tx.by_transaction_id(int(p["transactionId"]))
        if c is None:
            accepted = self.faults.on("s16-remote-stop-unknown-accepted")
            return _ok({"status": "Accepted" if accepted else "Rejected"})

        async def go() -> None:
            if not self.faults.on("s16-ignore-remote-stop"):
                self.tx.stop(c, "Remote")

        return _ok({"status": "Accepted"}, go)

    # -- Smart Charging (sections 5.5, 5.7, 5.16; station16_smart) -------------------------

    def on_SetChargingProfile(self, p: Mapping[str, Any]) -> Answer:
        return self.st.smart.on_set(p)

    def on_ClearChargingProfile(self, p: Mapping[str, Any]) -> Answer:
        return self.st.smart.on_clear(p)

    def on_GetCompositeSchedule(self, p: Mapping[str, Any]) -> Answer:
        return self.st.smart.on_composite(p)

    # -- reservations (sections 5.13, 5.1) ------------------------------------------------

    def on_ReserveNow(self, p: Mapping[str, Any]) -> Answer:
        refused = self.st.variants.reserve_refused(p)  # station16_variants
        if refused is not None:
            return _ok({"status": refused})
        return _ok({"status": self.st.reservations.reserve(p)})

    def on_CancelReservation(self, p: Mapping[str, Any]) -> Answer:
        return _ok({"status": self.st.reservations.cancel(int(p["reservationId"]))})

    # -- Firmware Management (sections 5.8, 5.19) -------------------------------------------

    def on_UpdateFirmware(self, p: Mapping[str, Any]) -> Answer:
        return self.st.firmware.on_update_firmware(p)

    def on_GetDiagnostics(self, p: Mapping[str, Any]) -> Answer:
        return self.st.firmware.on_get_diagnostics(p)

    # -- reset (section 5.14) --------------------------------------------------------------

    def on_Reset(self, p: Mapping[str, Any]) -> Answer:
        kind = str(p["type"])  # Hard | Soft

        async def go() -> None:
            if self.faults.on("s16-reset-no-reboot"):
                return
            if not self.faults.on("s16-reset-no-stop"):
                self.tx.stop_all(f"{kind}Reset")
            else:
                self.st.forget_transactions()
            await self.st.flush_then_reboot()

        return _ok({"status": "Accepted"}, go)

    # -- unlock (section 5.17) -------------------------------------------------------------

    def on_UnlockConnector(self, p: Mapping[str, Any]) -> Answer:
        connector_id = int(p["connectorId"])
        c = self.tx.connectors.get(connector_id)
        if c is None:
            bad = self.faults.on("s16-unlock-unknown-unlocked")
            return _ok({"status": "Unlocked" if bad else "NotSupported"})
        if c.fixed_cable and not self.faults.on("s16-fixed-cable-unlocked"):
            return _ok({"status": "NotSupported"})  # a fixed cable has no lock to open
        if c.jammed and not self.faults.on("s16-unlock-jam-ignored"):
            return _ok({"status": "UnlockFailed"})  # the lock did not open
        if c.tx is None and self.faults.on("s16-unlock-fails"):
            return _ok({"status": "UnlockFailed"})
        if c.tx is not None and not self.faults.on("s16-unlock-no-stop"):
            self.tx.stop(c, "UnlockCommand")
        c.locked = False
        return _ok({"status": "Unlocked"})
