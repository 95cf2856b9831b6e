"""The reference Central System for OCPP 1.6 (JSON): a small, correct Core CSMS with faults.

Charge points connect at `ws://host:port/ocpp/<charge point id>` with subprotocol `ocpp1.6`
(and HTTP basic auth when passwords are configured). Operator verbs (`POST /verbs/<verb>` on the
control API) send the Central System's requests in the background and return at once, because
the harness's charge point answers only after the case has looked at the request; `GET /state`
shows charge points, connectors, transactions and the last answers the Central System got.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Mapping
from typing import Any

from websockets.asyncio.server import ServerConnection

from conformance.ocppj import OcppVersion
from conformance.sim import csms16_firmware as firmware
from conformance.sim.control import VerbError
from conformance.sim.csms16_link import CHARGE_POINT_ACTIONS, ChargePointLink
from conformance.sim.csms16_smart import SMART_VERBS, SmartChargingVerbs
from conformance.sim.csms16_state import Csms16State
from conformance.sim.csms201_link import StationLink
from conformance.sim.csms_base import ReferenceCsmsBase
from conformance.sim.faults import ActiveFaults, declarer
from conformance.sim.options import CsmsOptions

_V = ("1.6",)


_fault = declarer("csms", _V)


_fault("c16-boot-interval-zero", "BootNotification Accepted with interval 0", "TC_001_CSMS")
_fault(
    "c16-heartbeat-no-time",
    "Heartbeat.conf without the required currentTime",
    "TC_001_CSMS",
    "TC_026_CSMS",
    "TC_030_CSMS",
    "TC_052_CSMS",
)
_fault(
    "c16-status-no-response",
    "never answers StatusNotification",
    "TC_001_CSMS",
    "TC_004_2_CSMS",
    "TC_007_CSMS",
    "TC_019_1_CSMS",
    "TC_024_CSMS",
)
_fault(
    "c16-unknown-token-accepted",
    "Authorize / StartTransaction: an unknown idTag is Accepted",
    "TC_023_1_CSMS",
    "TC_037_3_CSMS",
)
_fault("c16-expired-as-invalid", "an expired idTag is answered Invalid", "TC_023_2_CSMS")
_fault("c16-blocked-as-invalid", "a blocked idTag is answered Invalid", "TC_023_3_CSMS")
_fault(
    "c16-start-tx-ignores-idtag",
    "StartTransaction.conf is Accepted whatever the idTag",
    "TC_037_3_CSMS",
)
_fault(
    "c16-stale-timestamp-rejected",
    "a queued StartTransaction (timestamp older than 30 s) is answered Invalid",
    "TC_037_1_CSMS",
    "TC_039_CSMS",
)
_fault(
    "c16-forget-tx-on-reconnect",
    "forgets open transactions when a charge point reconnects; StopTransaction gets a CALLERROR",
    "TC_032_1_CSMS",
)
_fault(
    "c16-meter-values-callerror",
    "MeterValues with a transactionId answered with CALLERROR InternalError",
    "TC_004_1_CSMS",
    "TC_005_1_CSMS",
    "TC_028_CSMS",
)
_fault(
    "c16-wrong-message-id",
    "answers StartTransaction under another message id",
    "TC_003_CSMS",
    "TC_007_CSMS",
)
_fault(
    "c16-late-response",
    "answers Authorize only after several seconds",
    "TC_003_CSMS",
    "TC_023_1_CSMS",
)
_fault(
    "c16-datatransfer-callerror",
    "answers DataTransfer with CALLERROR NotImplemented",
    "TC_064_CSMS",
)
_fault(
    "c16-remote-start-wrong-idtag",
    "RemoteStartTransaction carries another idTag than the operator asked for",
    "TC_010_CSMS",
    "TC_011_2_CSMS",
    "TC_026_CSMS",
)
_fault(
    "c16-remote-start-wrong-connector",
    "RemoteStartTransaction names another connectorId than the operator asked for",
    "TC_011_1_CSMS",
)
_fault(
    "c16-remote-stop-wrong-tx",
    "RemoteStopTransaction names a transactionId the charge point never got",
    "TC_012_CSMS",
    "TC_028_CSMS",
)
_fault(
    "c16-reset-wrong-type",
    "Reset sent with the other type (Hard/Soft)",
    "TC_013_CSMS",
    "TC_014_CSMS",
)
_fault(
    "c16-unlock-wrong-connector",
    "UnlockConnector names another connectorId than the operator asked for",
    "TC_017_1_CSMS",
    "TC_017_2_CSMS",
    "TC_018_1_CSMS",
    "TC_030_CSMS",
    "TC_031_CSMS",
)
_fault(
    "c16-get-config-ignores-keys",
    "GetConfiguration asks for all keys although the operator named some",
    "TC_019_2_CSMS",
)
_fault(
    "c16-change-config-wrong-value",
    "ChangeConfiguration sends another value than the operator asked for",
    "TC_021_CSMS",
    "TC_040_1_CSMS",
    "TC_040_2_CSMS",
)
_fault(
    "c16-clear-cache-extra-field",
    "ClearCache.req carries a field its schema does not allow",
    "TC_061_CSMS",
)
_fault(
    "c16-duplicate-message-id",
    "sends each operator request twice under the same message id",
    "TC_018_1_CSMS",
)
_fault(
    "c16-second-outstanding-call",
    "sends each operator request while its own earlier GetCompositeSchedule is unanswered",
    "TC_012_CSMS",
)

_fault(
    "c16-get-list-version-extra-field",
    "GetLocalListVersion.req carries a field its (empty) schema does not allow",
    "TC_042_1_CSMS",
    "TC_042_2_CSMS",
)
_fault(
    "c16-full-sent-as-differential",
    "a Full local list is sent with updateType Differential",
    "TC_043_1_CSMS",
    "TC_043_3_CSMS",
    "TC_043_4_CSMS",
)
_fault(
    "c16-local-list-no-idtaginfo",
    "SendLocalList entries carry no idTagInfo (so they remove idTags instead of adding them)",
    "TC_043_4_CSMS",
    "TC_043_5_CSMS",
)
_fault(
    "c16-differential-stale-version",
    "a Differential SendLocalList repeats the listVersion of the list it updates",
    "TC_043_5_CSMS",
)
_fault(
    "c16-trigger-wrong-message",
    "TriggerMessage asks for a Heartbeat whatever message the operator asked for",
    "TC_054_CSMS",
    "TC_055_CSMS",
)
_fault(
    "c16-reserve-wrong-connector",
    "ReserveNow names another connectorId than the operator asked for",
    "TC_046_CSMS",
    "TC_048_1_CSMS",
    "TC_048_2_CSMS",
    "TC_048_3_CSMS",
    "TC_048_4_CSMS",
    "TC_051_CSMS",
)
_fault(
    "c16-reserve-past-expiry",
    "ReserveNow expiryDate lies in the past (now minus the offset)",
    "TC_047_CSMS",
)
_fault(
    "c16-reserve-zero-as-one",
    "a reservation of the charge point (connectorId 0) is sent for connectorId 1",
    "TC_049_CSMS",
)
_fault(
    "c16-reserve-no-parent",
    "ReserveNow omits the parentIdTag the operator gave",
    "TC_053_CSMS",
)
_fault(
    "c16-cancel-wrong-reservation",
    "CancelReservation names another reservationId than the reservation's",
    "TC_051_CSMS",
)
_fault(
    "c16-reservation-start-rejected",
    "StartTransaction with a reservationId is answered Invalid",
    "TC_046_CSMS",
    "TC_049_CSMS",
    "TC_053_CSMS",
)

_RESET_SWAP = {"Hard": "Soft", "Soft": "Hard"}


class ReferenceCsms16(ReferenceCsmsBase, SmartChargingVerbs):
    """`Simulator` for `ocpp-conformance sim csms --ocpp 1.6`."""

    version = OcppVersion.V16
    fault_prefix = "c16-"
    peer = "charge point"
    blocking_call = ("GetCompositeSchedule", {"connectorId": 0, "duration": 60})
    verb_names = (
        "set_boot_status",
        "request_start_transaction",
        "request_stop_transaction",
        "reset",
        "change_availability",
        "unlock_connector",
        "get_configuration",
        "change_configuration",
        "trigger_message",
        "clear_cache",
        "data_transfer",
        "get_local_list_version",
        "send_local_list",
        "reserve_now",
        "cancel_reservation",
        "update_firmware",
        "get_diagnostics",
        *SMART_VERBS,  # csms16_smart
    )

    def __init__(self, options: CsmsOptions, faults: ActiveFaults) -> None:
        self.state: Csms16State = Csms16State(options, faults)
        super().__init__(options, faults, self.state)
        self._reservation_ids = itertools.count(1)

    def new_link(self, conn: ServerConnection, station_id: str) -> StationLink:
        return ChargePointLink(conn, station_id, lambda call: self.state.handle(station_id, call))

    def on_connected(self, station_id: str) -> None:
        self.state.connected(station_id)

    def server_options(self) -> dict[str, Any]:
        return {"reject_unsupported_subprotocol": True}  # OCPP-J 1.6 section 3.1.2

    @staticmethod
    def _connector(args: Mapping[str, Any]) -> int | None:
        """A 1.6 connectorId from the verb's arguments (connector_id, else evse_id)."""
        for key in ("connector_id", "evse_id"):
            if args.get(key) is not None:
                return int(args[key])
        return None

    def verb_request_start_transaction(self, args: Mapping[str, Any]) -> Any:
        id_tag = str(args.get("id_token") or self.options.valid_tokens[0])
        if self.faults.on("c16-remote-start-wrong-idtag"):
            id_tag = (id_tag[::-1] + "X")[:20]
        payload: dict[str, Any] = {"idTag": id_tag}
        connector = self._connector(args)
        if connector is not None:
            if self.faults.on("c16-remote-start-wrong-connector"):
                connector += 1
            payload["connectorId"] = connector
        return self._send(args, "RemoteStartTransaction", payload)

    def verb_request_stop_transaction(self, args: Mapping[str, Any]) -> Any:
        tx_id = args.get("transaction_id")
        if tx_id in (None, ""):
            tx = self.state.record(str(args.get("station_id"))).open_transaction()
            if tx is None:
                raise VerbError("no transaction_id given and no open transaction known")
            tx_id = tx.transaction_id
        tx_id = int(tx_id)
        if self.faults.on("c16-remote-stop-wrong-tx"):
            tx_id += 1000
        return self._send(args, "RemoteStopTransaction", {"transactionId": tx_id})

    def verb_reset(self, args: Mapping[str, Any]) -> Any:
        kind = str(args.get("type") or "Soft")
        if kind not in _RESET_SWAP:
            raise ValueError(f"1.6 Reset type is Hard or Soft, not {kind!r}")
        if self.faults.on("c16-reset-wrong-type"):
            kind = _RESET_SWAP[kind]
        return self._send(args, "Reset", {"type": kind})

    def verb_change_availability(self, args: Mapping[str, Any]) -> Any:
        kind = str(args.get("operational_status") or "Operative")
        payload = {"connectorId": self._connector(args) or 0, "type": kind}
        return self._send(args, "ChangeAvailability", payload)

    def verb_unlock_connector(self, args: Mapping[str, Any]) -> Any:
        connector = self._connector(args) or 1
        if self.faults.on("c16-unlock-wrong-connector"):
            connector += 1
        return self._send(args, "UnlockConnector", {"connectorId": connector})

    def verb_get_configuration(self, args: Mapping[str, Any]) -> Any:
        keys = args.get("keys") or []
        if isinstance(keys, str):
            keys = [k for k in keys.split(",") if k]
        payload: dict[str, Any] = {}
        if keys and not self.faults.on("c16-get-config-ignores-keys"):
            payload["key"] = [str(k) for k in keys]
        return self._send(args, "GetConfiguration", payload)

    def verb_change_configuration(self, args: Mapping[str, Any]) -> Any:
        key = args.get("key")
        if not key or args.get("value") is None:
            raise ValueError("key and value are required")
        value = str(args["value"])
        if self.faults.on("c16-change-config-wrong-value"):
            value += "0"
        return self._send(args, "ChangeConfiguration", {"key": str(key), "value": value})

    def verb_trigger_message(self, args: Mapping[str, Any]) -> Any:
        requested = str(args.get("requested_message") or "")
        if not requested:
            raise ValueError("requested_message is required")
        if self.faults.on("c16-trigger-wrong-message"):
            requested = "Heartbeat"
        payload: dict[str, Any] = {"requestedMessage": requested}
        connector = self._connector(args)
        if connector is not None:
            payload["connectorId"] = connector
        link = self._link(args)
        rec = self.state.record(link.station_id)
        if rec.registration == "Pending" and requested in CHARGE_POINT_ACTIONS:
            rec.allowed_while_pending.add(requested)
        return self._send(args, "TriggerMessage", payload)

    def verb_clear_cache(self, args: Mapping[str, Any]) -> Any:
        payload: dict[str, Any] = {}
        if self.faults.on("c16-clear-cache-extra-field"):
            payload["force"] = True
        return self._send(args, "ClearCache", payload)

    def verb_data_transfer(self, args: Mapping[str, Any]) -> Any:
        payload: dict[str, Any] = {"vendorId": str(args.get("vendor_id") or "ocpp-conformance")}
        if args.get("message_id"):
            payload["messageId"] = str(args["message_id"])
        if args.get("data") is not None:
            data = args["data"]
            payload["data"] = data if isinstance(data, str) else str(data)
        return self._send(args, "DataTransfer", payload)

    # -- Local Auth List Management (sections 5.10, 5.15) ------------------------------------

    def verb_get_local_list_version(self, args: Mapping[str, Any]) -> Any:
        payload: dict[str, Any] = {}
        if self.faults.on("c16-get-list-version-extra-field"):
            payload["connectorId"] = 0
        return self._send(args, "GetLocalListVersion", payload)

    def verb_send_local_list(self, args: Mapping[str, Any]) -> Any:
        """A Full list (the given idTags, else the valid ones) or a Differential update with the
        given idTags; every entry with its idTagInfo, the version one above the last sent."""
        update = str(args.get("update_type") or "Full")
        if update not in ("Full", "Differential"):
            raise ValueError(f"update_type is Full or Differential, not {update!r}")
        tags = args.get("id_tokens") or []
        if isinstance(tags, str):
            tags = [t for t in tags.split(",") if t]
        if not tags and update == "Full":
            tags = list(self.options.valid_tokens)
        rec = self.state.record(str(args.get("station_id")))
        entries = {str(t): self.state.id_tag_info(str(t)) for t in tags}
        if update == "Full":
            rec.local_list = entries
        else:
            rec.local_list.update(entries)
        if not self.faults.on("c16-differential-stale-version") or update == "Full":
            rec.list_version += 1
        sent_type = update
        if update == "Full" and self.faults.on("c16-full-sent-as-differential"):
            sent_type = "Differential"
        items: list[dict[str, Any]] = []
        for tag, info in entries.items():
            item: dict[str, Any] = {"idTag": tag, "idTagInfo": info}
            if self.faults.on("c16-local-list-no-idtaginfo"):
                del item["idTagInfo"]
            items.append(item)
        payload: dict[str, Any] = {"listVersion": rec.list_version, "updateType": sent_type}
        if items:
            payload["localAuthorizationList"] = items
        return self._send(args, "SendLocalList", payload)

    # -- Reservation (sections 5.13, 5.1) ------------------------------------------------------

    def verb_reserve_now(self, args: Mapping[str, Any]) -> Any:
        connector = self._connector(args)
        connector = 0 if connector is None else connector
        if connector == 0 and self.faults.on("c16-reserve-zero-as-one"):
            connector = 1
        elif connector > 0 and self.faults.on("c16-reserve-wrong-connector"):
            connector += 1
        seconds = float(args.get("expiry_seconds") or 3600)
        if self.faults.on("c16-reserve-past-expiry"):
            seconds = -seconds
        expiry = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=seconds)
        reservation_id = next(self._reservation_ids)
        payload: dict[str, Any] = {
            "connectorId": connector,
            "expiryDate": expiry.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "idTag": str(args.get("id_token") or self.options.valid_tokens[0]),
            "reservationId": reservation_id,
        }
        parent = args.get("parent_id_token")
        if parent and not self.faults.on("c16-reserve-no-parent"):
            payload["parentIdTag"] = str(parent)
        rec = self.state.record(str(args.get("station_id")))
        rec.reservations[reservation_id] = connector
        return self._send(args, "ReserveNow", payload)

    # -- Firmware Management (sections 5.8, 5.19) --------------------------------------------

    def verb_update_firmware(self, args: Mapping[str, Any]) -> Any:
        payload = firmware.update_firmware_request(args, self.faults)
        return self._send(args, "UpdateFirmware", payload)

    def verb_get_diagnostics(self, args: Mapping[str, Any]) -> Any:
        return self._send(args, "GetDiagnostics", firmware.get_diagnostics_request(self.faults))

    def verb_cancel_reservation(self, args: Mapping[str, Any]) -> Any:
        rec = self.state.record(str(args.get("station_id")))
        given = args.get("reservation_id")
        if given in (None, ""):
            if not rec.reservations:
                raise VerbError("no reservation_id given and no reservation known")
            reservation_id = max(rec.reservations)
        else:
            reservation_id = int(given)
        rec.reservations.pop(reservation_id, None)
        if self.faults.on("c16-cancel-wrong-reservation"):
            reservation_id += 1000
        return self._send(args, "CancelReservation", {"reservationId": reservation_id})
