"""How the reference 2.0.1 station answers the CSMS's requests (Core).

Each handler is synchronous: it decides the answer from the station's state at once and
returns the follow-up work (a reboot, a triggered message, a report) as `then`, which runs
after the answer is on the wire. That keeps the order the spec wants: response first, then
the messages it announced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from conformance.ocppj import Call
from conformance.sim.station201_link import Answer
from conformance.sim.station201_tx import Authorization, now_iso

if TYPE_CHECKING:
    from conformance.sim.station201 import ReferenceStation201

SUPPORTED: frozenset[str] = frozenset(
    {
        "GetVariables",
        "SetVariables",
        "GetBaseReport",
        "Reset",
        "ChangeAvailability",
        "UnlockConnector",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "TriggerMessage",
        "GetTransactionStatus",
        "ClearCache",
        "DataTransfer",
        "SetNetworkProfile",
        "CertificateSigned",
        "GetInstalledCertificateIds",
        "InstallCertificate",
        "DeleteCertificate",
        "GetLog",
        "CustomerInformation",
        "UpdateFirmware",
        "ReserveNow",  # H01 / H02 (station201_reservations)
        "CancelReservation",
        # K01 / K08 / K09 / K10 (station201_smart)
        "SetChargingProfile",
        "ClearChargingProfile",
        "GetChargingProfiles",
        "GetCompositeSchedule",
        "SendLocalList",
        "GetLocalListVersion",
    }
)

TRIGGERABLE = frozenset(
    {
        "BootNotification",
        "Heartbeat",
        "StatusNotification",
        "MeterValues",
        "TransactionEvent",
        "LogStatusNotification",
        "FirmwareStatusNotification",
    }
)


# Messages about the whole station: an evse in the TriggerMessageRequest is not relevant to them
# and is ignored (F06).
STATION_WIDE = frozenset(
    {"BootNotification", "Heartbeat", "LogStatusNotification", "FirmwareStatusNotification"}
)


def _ok(payload: Mapping[str, Any], then: Callable[[], Awaitable[None]] | None = None) -> Answer:
    return Answer(payload=payload, then=then)


class RequestHandlers:
    def __init__(self, station: ReferenceStation201) -> None:
        self.st = station
        self.faults = station.faults
        self.model = station.model
        self.network_profiles: dict[int, dict[str, Any]] = {}  # configurationSlot -> profile

    def handle(self, call: Call) -> Answer | Awaitable[Answer]:
        if self.st.registration == "None" and self.st.link is not None:
            return self._after_boot(call)  # the boot answer may be in but not taken in yet
        return self._handle(call)

    async def _after_boot(self, call: Call) -> Answer:
        await self.st.boot_settled()
        return self._handle(call)

    def _handle(self, call: Call) -> Answer:
        if self.st.registration == "Rejected" and not self.faults.on(
            "s201-rejected-answers-requests"
        ):
            # B03.FR.08: a Rejected station answers the CSMS's requests with SecurityError.
            return Answer(error="SecurityError", description="not registered (boot Rejected)")
        if "customData" in call.payload and self.faults.on("s201-custom-data-rejected"):
            return Answer(error="FormatViolation", description="unexpected property customData")
        answer: Answer = getattr(self, f"on_{call.action}")(call.payload)
        return answer

    # -- device model (B05-B07) ------------------------------------------------------------

    def on_GetVariables(self, p: Mapping[str, Any]) -> Answer:
        results = []
        for item in p["getVariableData"]:
            attribute = item.get("attributeType")
            found = self.model.lookup(item["component"], item["variable"], attribute)
            status = found.status
            if status == "UnknownVariable" and self.faults.on("s201-unknown-variable-status"):
                status = "UnknownComponent"
            result: dict[str, Any] = {
                "attributeStatus": status,
                "component": item["component"],
                "variable": item["variable"],
            }
            if attribute:
                result["attributeType"] = attribute
            if status == "Accepted" and found.variable is not None:
                if found.variable.mutability == "WriteOnly":
                    result["attributeStatus"] = "Rejected"
                else:
                    result["attributeValue"] = self._value(
                        found.variable.component, found.variable.name, found.variable.value
                    )
            results.append(result)
        answer = Answer(payload={"getVariableResult": results})
        if self.faults.on("s201-wrong-message-id"):
            answer = Answer(payload=answer.payload, unique_id="not-your-id-1")
        return answer

    def _value(self, component: str, name: str, value: str) -> str:
        if (component, name) == ("ClockCtrlr", "DateTime"):
            return now_iso()
        return value

    def on_SetVariables(self, p: Mapping[str, Any]) -> Answer:
        results = []
        changed: set[str] = set()
        for item in p["setVariableData"]:
            attribute = item.get("attributeType")
            found = self.model.lookup(item["component"], item["variable"], attribute)
            status = found.status
            var = found.variable
            if status == "Accepted" and var is not None:
                value = str(item["attributeValue"])
                problem = var.check(value)
                if var.data_type == "passwordString":  # A01: SecurityCtrlr.BasicAuthPassword
                    problem = self.st.security.check_password(value)
                read_only = var.mutability == "ReadOnly"
                refuse_ro = read_only and not self.faults.on("s201-readonly-accepted")
                refuse_bad = problem is not None and not self.faults.on(
                    "s201-invalid-value-accepted"
                )
                if refuse_ro or refuse_bad:
                    status = "Rejected"
                elif not read_only and problem is None:
                    var.value = value
                    changed.add(f"{var.component}.{var.name}")
            result: dict[str, Any] = {
                "attributeStatus": status,
                "component": item["component"],
                "variable": item["variable"],
            }
            if attribute:
                result["attributeType"] = attribute
            results.append(result)
        if "OCPPCommCtrlr.HeartbeatInterval" in changed:
            self.st._hb_changed.set()
        if any(c.startswith("AlignedDataCtrlr.") for c in changed):
            self.st.tx.aligned.wake.set()  # J01: a new interval counts from now
        if "SecurityCtrlr.BasicAuthPassword" in changed:
            # A01: after the response, reconnect with the new password.
            return Answer(payload={"setVariableResult": results}, then=self.st.reconnect)
        return Answer(payload={"setVariableResult": results})

    def on_GetBaseReport(self, p: Mapping[str, Any]) -> Answer:
        base = p["reportBase"]
        if base == "ConfigurationInventory":
            variables = self.model.configuration()
        elif base == "FullInventory":
            variables = list(self.model.variables)
            if self.faults.on("s201-report-omits-required"):
                variables = [v for v in variables if v.name != "RetryBackOffWaitMinimum"]
        else:  # SummaryInventory is optional (B07): this station does not implement it
            return Answer(payload={"status": "NotSupported"})
        if not variables:
            return Answer(payload={"status": "EmptyResultSet"})
        request_id = p["requestId"]
        size = max(1, self.model.get_int("DeviceDataCtrlr", "ItemsPerMessage", "GetReport"))
        data = []
        for v in variables:
            entry = v.report_json()
            if entry["variableAttribute"][0].get("value") is not None:
                entry["variableAttribute"][0]["value"] = self._value(v.component, v.name, v.value)
            data.append(entry)
        parts = [data[i : i + size] for i in range(0, len(data), size)]

        async def report() -> None:
            generated = now_iso()
            for seq, part in enumerate(parts):
                tbc = seq < len(parts) - 1 and not self.faults.on("s201-report-no-tbc")
                payload = {
                    "requestId": request_id,
                    "generatedAt": generated,
                    "seqNo": seq,
                    "tbc": tbc,
                    "reportData": part,
                }
                self.st.send("NotifyReport", payload, pending_ok=True)

        return _ok({"status": "Accepted"}, report)

    # -- reset (B11 / B12) -----------------------------------------------------------------

    def on_Reset(self, p: Mapping[str, Any]) -> Answer:
        kind = p["type"]
        evse_id = p.get("evseId")
        tx = self.st.tx
        if self.faults.on("s201-reset-no-reconnect"):
            return _ok({"status": "Accepted"})
        if evse_id is not None:
            evse = tx.evses.get(int(evse_id))
            if evse is None:
                return _ok({"status": "Rejected"})
            if not self.st.reset_evse and not self.faults.on(
                "s201-reset-evse-unsupported-accepted"
            ):
                return _ok({"status": "Rejected"})  # B11.FR.09 / B12.FR.09
            if evse.tx is None:
                return _ok({"status": "Accepted"})  # the EVSE restarts; nothing to report
            if kind == "OnIdle":
                return _ok({"status": "Scheduled"})

            async def reset_evse() -> None:
                tx.end(evse, "ResetCommand", "ImmediateReset")

            return _ok({"status": "Accepted"}, reset_evse)
        if not tx.transactions():

            async def reboot() -> None:
                await self.st.reboot("RemoteReset")

            return _ok({"status": "Accepted"}, reboot)
        multi = len(tx.transactions()) > 1 and self.faults.on("s201-reset-on-idle-multi-immediate")
        if kind == "OnIdle" and not multi:

            def when_idle() -> None:
                self.st.spawn(self.st.flush_then_reboot("RemoteReset"))

            tx.on_idle.append(when_idle)
            return _ok({"status": "Scheduled"})

        async def immediate() -> None:
            tx.stop_all("ResetCommand", "ImmediateReset")
            await self.st.flush_then_reboot("RemoteReset")

        return _ok({"status": "Accepted"}, immediate)

    # -- availability (G03-G05) ------------------------------------------------------------

    def on_ChangeAvailability(self, p: Mapping[str, Any]) -> Answer:
        answer = self._change_availability(p)
        if (
            answer.payload is not None
            and answer.payload.get("status") == "Scheduled"
            and self.faults.on("s201-availability-scheduled-as-accepted")
        ):
            return _ok({"status": "Accepted"}, answer.then)
        return answer

    def _already(self, p: Mapping[str, Any]) -> bool:
        """The target already is in the requested state (G03.FR.03 / G04.FR.04)."""
        operative = p["operationalStatus"] == "Operative"
        tx = self.st.tx
        target = p.get("evse")
        if target is None or target["id"] == 0:
            return bool(tx.station_operative == operative)
        evse = tx.evses.get(int(target["id"]))
        if evse is None:
            return False
        connector = target.get("connectorId")
        if connector is not None:
            return bool(evse.connectors.get(connector) == operative)
        return bool(evse.operative == operative)

    def _change_availability(self, p: Mapping[str, Any]) -> Answer:
        operative = p["operationalStatus"] == "Operative"
        tx = self.st.tx
        target = p.get("evse")
        if self._already(p) and self.faults.on("s201-availability-same-state-rejected"):
            return _ok({"status": "Rejected"})
        if target is None:
            evses = list(tx.evses.values())
        else:
            evse = tx.evses.get(int(target["id"])) if target["id"] != 0 else None
            if target["id"] == 0:
                evses = list(tx.evses.values())
            elif evse is None:
                return _ok({"status": "Rejected"})
            else:
                evses = [evse]
            connector = target.get("connectorId")
            if connector is not None and evse is not None and connector not in evse.connectors:
                return _ok({"status": "Rejected"})
            if connector is not None and evse is not None:
                if not operative and evse.tx is not None:
                    evse.pending_connectors.add(connector)  # G03.FR.05: after the transaction
                    return _ok({"status": "Scheduled"})
                evse.pending_connectors.discard(connector)
                evse.connectors[connector] = operative
                return _ok({"status": "Accepted"}, self._report(evses))
        busy = [e for e in evses if e.tx is not None]
        if not operative and busy:
            for e in busy:
                e.pending_inoperative = True
            for e in evses:
                if e.tx is None:
                    e.operative = False
            return _ok({"status": "Scheduled"}, self._report(evses))
        if target is None or target["id"] == 0:
            tx.station_operative = operative
        for e in evses:
            e.operative = operative
            e.pending_inoperative = False
            for c in e.connectors:
                e.connectors[c] = True if operative else e.connectors[c]
        return _ok({"status": "Accepted"}, self._report(evses))

    def _report(self, evses: list[Any]) -> Callable[[], Awaitable[None]] | None:
        if self.faults.on("s201-availability-not-reported"):
            return None

        async def report() -> None:
            for e in evses:
                for c in e.connectors:
                    self.st.connector_changed(e.id, c)

        return report

    def on_UnlockConnector(self, p: Mapping[str, Any]) -> Answer:
        answer = self._unlock(p)
        if self.faults.on("s201-late-response"):
            return Answer(payload=answer.payload, delay=self.st.late_delay)
        return answer

    def _unlock(self, p: Mapping[str, Any]) -> Answer:
        evse = self.st.tx.evses.get(p["evseId"])
        if evse is None or p["connectorId"] not in evse.connectors:
            if self.faults.on("s201-unlock-unknown-connector"):
                return _ok({"status": "Unlocked"})
            return _ok({"status": "UnknownConnector"})
        if evse.tx is not None and evse.auth is not None:
            if self.faults.on("s201-unlock-during-transaction"):
                return _ok({"status": "Unlocked"})
            return _ok({"status": "OngoingAuthorizedTransaction"})  # F05.FR.02
        if self.faults.on("s201-unlock-failed-no-cable"):
            return _ok({"status": "UnlockFailed"})
        return _ok({"status": "Unlocked"})  # F05.FR.04 (no cable: nothing to unlock)

    # -- transactions (E, F01-F04) ---------------------------------------------------------

    def on_RequestStartTransaction(self, p: Mapping[str, Any]) -> Answer:
        tx = self.st.tx
        token = dict(p["idToken"])
        remote_id = int(p["remoteStartId"])
        evse_id = p.get("evseId")
        if evse_id is not None:
            evse = tx.evses.get(int(evse_id))
        else:
            evse = next(
                (
                    e
                    for e in tx.evses.values()
                    if e.auth is None and e.plugged is not None and not e.cable_used
                ),
                None,
            ) or next(
                (e for e in tx.evses.values() if e.auth is None and e.tx is None and e.operative),
                None,
            )
        if evse is None or evse.auth is not None or not (evse.operative and tx.station_operative):
            return _ok({"status": "Rejected"})
        if not self.st.reservations.may_try(evse, token):
            return _ok({"status": "Rejected"})  # H03: reserved for another idToken
        if "chargingProfile" in p and self.faults.on("s201-remote-start-profile-rejected"):
            return _ok({"status": "Rejected"})  # fault: F01.FR.12 says ignore it (no K block)
        if not self.st.smart.remote_start_profile(evse, p.get("chargingProfile"), remote_id):
            return _ok({"status": "Rejected"})  # K05: not a TxProfile the station can take
        payload: dict[str, Any] = {"status": "Accepted"}
        if evse.tx is not None:
            payload["transactionId"] = evse.tx.transaction_id
        group = None

        async def start() -> None:
            nonlocal group
            authorize = self.model.get_bool("AuthCtrlr", "AuthorizeRemoteStart")
            if authorize and self.faults.on("s201-no-authorize-remote-start"):
                authorize = False
            if self.faults.on("s201-authorize-remote-start-always"):
                authorize = True
            if authorize:
                result = await self.st.send("Authorize", {"idToken": token})
                info = (result or {}).get("idTokenInfo") or {}
                if info.get("status") != "Accepted":
                    return
                group = (info.get("groupIdToken") or {}).get("idToken")
            if evse.auth is None and self.st.reservations.allows(evse, token, group):
                reservation = self.st.reservations.consume(evse, token, group)  # H03.FR.09
                auth = Authorization(token, group, remote_id, reservation_id=reservation)
                tx.authorize(evse, auth, "RemoteStart")

        return _ok(payload, start)

    def on_RequestStopTransaction(self, p: Mapping[str, Any]) -> Answer:
        tx = self.st.tx
        found = tx.find_tx(p["transactionId"])
        if found is None:
            if self.faults.on("s201-remote-stop-unknown-accepted"):
                return _ok({"status": "Accepted"})
            return _ok({"status": "Rejected"})
        evse = tx.evses[found.evse_id]

        async def stop() -> None:
            if not self.faults.on("s201-ignore-remote-stop"):
                tx.deauthorize(evse, "RemoteStop", "Remote")

        return _ok({"status": "Accepted"}, stop)

    def on_GetTransactionStatus(self, p: Mapping[str, Any]) -> Answer:
        if self.faults.on("s201-no-response"):
            return Answer(silent=True)
        tx_id = p.get("transactionId")
        queued = self.st.tx_messages_queued(
            tx_id, count_in_flight=not self.faults.on("s201-tx-status-in-flight-not-queued")
        )
        if tx_id is None:
            if self.faults.on("s201-tx-status-ongoing-without-id"):
                return _ok({"messagesInQueue": queued, "ongoingIndicator": False})
            return _ok({"messagesInQueue": queued})  # E14: ongoingIndicator only for an id
        ongoing = self.st.tx.find_tx(tx_id) is not None
        if self.faults.on("s201-tx-status-not-ongoing"):
            ongoing = False
        if self.faults.on("s201-tx-status-ended-ongoing") and tx_id in self.st.tx.ended_ids:
            ongoing = True
        return _ok({"ongoingIndicator": ongoing, "messagesInQueue": queued})

    # -- remote trigger (F06) --------------------------------------------------------------

    def on_TriggerMessage(self, p: Mapping[str, Any]) -> Answer:
        requested = p["requestedMessage"]
        target = p.get("evse") or {}
        evse_id = target.get("id")
        connector_id = target.get("connectorId")
        st = self.st
        tx = st.tx
        if requested == "SignChargingStationCertificate":  # A02 (station201_security)
            return st.security.on_trigger_sign()
        if requested not in TRIGGERABLE:
            if self.faults.on("s201-trigger-callerror"):
                return Answer(error="NotImplemented", description=f"{requested} not implemented")
            return _ok({"status": "NotImplemented"})
        if evse_id is not None and evse_id != 0 and evse_id not in tx.evses:
            return _ok({"status": "Rejected"})
        pending = st.registration == "Pending"
        station_wide = requested in STATION_WIDE
        if station_wide and target and self.faults.on("s201-trigger-evse-irrelevant-rejected"):
            return _ok({"status": "Rejected"})
        if requested == "BootNotification":
            if st.registration == "Accepted" and not self.faults.on("s201-trigger-boot-accepted"):
                return _ok({"status": "Rejected"})  # F06.FR.17

            async def boot() -> None:
                if st.registration == "Accepted":
                    st.need_boot = True
                    st.boot_reason = "Triggered"
                    st.registration = "Pending"
                    if st.link is not None:
                        st.spawn(st._boot(st.link))
                    return
                st.boot_reason = "Triggered"
                st._boot_now.set()

            return _ok({"status": "Accepted"}, boot)
        if requested == "Heartbeat":

            async def heartbeat() -> None:
                if not self.faults.on("s201-trigger-heartbeat-missing"):
                    st.send("Heartbeat", {}, pending_ok=pending)

            return _ok({"status": "Accepted"}, heartbeat)
        if requested == "StatusNotification":
            if evse_id and self.faults.on("s201-trigger-status-wrong-evse"):
                evse_id = next((i for i in tx.evses if i != evse_id), evse_id)
            pairs = [
                (e.id, c)
                for e in tx.evses.values()
                if evse_id in (None, 0, e.id)
                for c in e.connectors
                if connector_id in (None, c)
            ]
            if not pairs:
                return _ok({"status": "Rejected"})

            async def status() -> None:
                for e, c in pairs:
                    st.send_status(e, c, pending_ok=pending)

            return _ok({"status": "Accepted"}, status)
        if requested == "MeterValues":
            ids = [evse_id] if evse_id else list(tx.evses)
            if self.faults.on("s201-trigger-meter-first-evse-only"):
                ids = ids[:1]

            async def meter() -> None:
                for i in ids:
                    payload = tx.meter_values(i)
                    if self.faults.on("s201-trigger-meter-wrong-context"):
                        for value in payload["meterValue"]:
                            for sample in value["sampledValue"]:
                                sample["context"] = "Sample.Periodic"
                    st.send("MeterValues", payload, pending_ok=pending)

            return _ok({"status": "Accepted"}, meter)
        if requested == "TransactionEvent":
            evses = [e for e in tx.evses.values() if e.tx is not None and evse_id in (None, e.id)]
            if not evses:
                return _ok({"status": "Rejected"})

            reason = "Trigger"
            if self.faults.on("s201-trigger-tx-wrong-reason"):
                reason = "ChargingStateChanged"

            async def events() -> None:
                for e in evses:
                    if e.tx is not None:
                        tx.trigger_event(e, reason)

            return _ok({"status": "Accepted"}, events)
        # Idle without requestId when nothing runs (F06.FR.16 / L01.FR.25); a log upload says
        # Uploading, a firmware update its current status, with the requestId while it runs.
        wrong = self.faults.on("s201-trigger-notification-not-idle")
        if requested == "LogStatusNotification":
            log = {"status": "Uploaded"} if wrong else st.logs.trigger_status()

            async def log_status() -> None:
                st.send("LogStatusNotification", log, pending_ok=pending)

            return _ok({"status": "Accepted"}, log_status)
        firmware = {"status": "Installed"} if wrong else st.firmware.trigger_status()

        async def firmware_status() -> None:
            st.send("FirmwareStatusNotification", firmware, pending_ok=pending)

        return _ok({"status": "Accepted"}, firmware_status)

    # -- firmware (L01, station201_firmware) -------------------------------------------------

    def on_UpdateFirmware(self, p: Mapping[str, Any]) -> Answer:
        return self.st.firmware.on_update_firmware(p)

    # -- diagnostics (N01) -----------------------------------------------------------------

    def on_GetLog(self, p: Mapping[str, Any]) -> Answer:
        answer, start = self.st.logs.accept(p)
        return _ok(answer, start)

    def on_CustomerInformation(self, p: Mapping[str, Any]) -> Answer:
        return self.st.customers.on_request(p)  # N09 / N10 (station201_customer)

    # -- smart charging (K01 / K08 / K09 / K10, station201_smart) ----------------------------

    def on_SetChargingProfile(self, p: Mapping[str, Any]) -> Answer:
        return self.st.smart.on_set(p)

    def on_ClearChargingProfile(self, p: Mapping[str, Any]) -> Answer:
        return self.st.smart.on_clear(p)

    def on_GetChargingProfiles(self, p: Mapping[str, Any]) -> Answer:
        return self.st.smart.on_get_profiles(p)

    def on_GetCompositeSchedule(self, p: Mapping[str, Any]) -> Answer:
        return self.st.smart.on_composite(p)

    # -- reservations (H01 / H02, station201_reservations) ------------------------------------

    def on_ReserveNow(self, p: Mapping[str, Any]) -> Answer:
        return self.st.reservations.on_reserve_now(p)

    def on_CancelReservation(self, p: Mapping[str, Any]) -> Answer:
        return self.st.reservations.on_cancel_reservation(p)

    # -- misc ------------------------------------------------------------------------------

    def on_SetNetworkProfile(self, p: Mapping[str, Any]) -> Answer:
        """B09: store a connection profile in one of the slots NetworkConfigurationPriority
        offers (its valuesList); any other slot, or a lower security profile than the one in
        use, is Rejected (B09.FR.02). The profile takes effect only when a later
        NetworkConfigurationPriority change selects it (B10)."""
        slots = self.model.find("OCPPCommCtrlr", "NetworkConfigurationPriority").values_list
        slot = str(p["configurationSlot"])
        data = p["connectionData"]
        current = self.model.get_int("SecurityCtrlr", "SecurityProfile")
        downgrade = int(data["securityProfile"]) < current
        if downgrade and self.faults.on("s201-network-profile-downgrade"):  # A05 / TC_A_22_CS
            downgrade = False
        # A05.FR.02/03: no move to TLS without the certificates it needs.
        unable = self.st.security.upgrade_problem(int(data["securityProfile"])) is not None
        valid = slot in slots and not downgrade and not unable
        if not valid and not self.faults.on("s201-network-profile-any-slot"):
            return _ok({"status": "Rejected"})
        self.network_profiles[int(slot)] = dict(data)
        return _ok({"status": "Accepted"})

    def on_ClearCache(self, p: Mapping[str, Any]) -> Answer:
        status = "Accepted" if self.model.get_bool("AuthCacheCtrlr", "Enabled") else "Rejected"
        if self.faults.on("s201-clear-cache-always-accepted"):
            status = "Accepted"
        if status == "Accepted" and not self.faults.on("s201-clear-cache-keeps-entries"):
            self.st.auth_cache.clear()
        return _ok({"status": status})

    def on_SendLocalList(self, p: Mapping[str, Any]) -> Answer:  # D01 (station201_locallist)
        return self.st.local_list.on_send_local_list(p)

    def on_GetLocalListVersion(self, p: Mapping[str, Any]) -> Answer:  # D02
        return self.st.local_list.on_get_local_list_version(p)

    def on_CertificateSigned(self, p: Mapping[str, Any]) -> Answer:
        return self.st.security.on_certificate_signed(p)

    def on_GetInstalledCertificateIds(self, p: Mapping[str, Any]) -> Answer:
        return self.st.security.on_get_installed_certificate_ids(p)

    def on_InstallCertificate(self, p: Mapping[str, Any]) -> Answer:  # M05
        return self.st.security.certificates.on_install(p)

    def on_DeleteCertificate(self, p: Mapping[str, Any]) -> Answer:  # M04
        return self.st.security.certificates.on_delete(p)

    def on_DataTransfer(self, p: Mapping[str, Any]) -> Answer:
        # P01.FR.05: no vendor extensions are implemented.
        if self.faults.on("s201-data-transfer-accepted"):
            return _ok({"status": "Accepted", "data": p.get("data")})
        return _ok({"status": "UnknownVendorId"})
