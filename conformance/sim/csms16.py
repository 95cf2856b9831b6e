"""The reference Central System for OCPP 1.6 (JSON): a small, correct Core CSMS with faults.

Charge points connect at `ws://host:port/ocpp/<charge point id>` with subprotocol `ocpp1.6`
(and HTTP basic auth when passwords are configured). Operator verbs (`POST /verbs/<verb>` on the
control API) send the Central System's requests in the background and return at once, because
the harness's charge point answers only after the case has looked at the request; `GET /state`
shows charge points, connectors, transactions and the last answers the Central System got.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import Any

from websockets.asyncio.server import ServerConnection

from conformance.ocppj import CallError, OcppVersion
from conformance.sim.control import VerbError
from conformance.sim.csms16_link import CHARGE_POINT_ACTIONS, ChargePointLink
from conformance.sim.csms16_state import Csms16State
from conformance.sim.csms201_link import StationLink
from conformance.sim.csms_base import ReferenceCsmsBase
from conformance.sim.faults import ActiveFaults, declare
from conformance.sim.options import CsmsOptions

_V = ("1.6",)


def _fault(name: str, description: str, *caught_by: str) -> None:
    declare(name, "csms", _V, description, caught_by)


_fault("c16-boot-interval-zero", "BootNotification Accepted with interval 0", "TC_001_CSMS")
_fault(
    "c16-heartbeat-no-time",
    "Heartbeat.conf without the required currentTime",
    "TC_001_CSMS",
    "TC_026_CSMS",
    "TC_030_CSMS",
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
    "sends each operator request while its own earlier GetLocalListVersion is unanswered",
    "TC_012_CSMS",
)

_RESET_SWAP = {"Hard": "Soft", "Soft": "Hard"}


class ReferenceCsms16(ReferenceCsmsBase):
    """`Simulator` for `ocpp-conformance sim csms --ocpp 1.6`."""

    version = OcppVersion.V16
    fault_prefix = "c16-"
    peer = "charge point"
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
    )

    def __init__(self, options: CsmsOptions, faults: ActiveFaults) -> None:
        self.state: Csms16State = Csms16State(options, faults)
        super().__init__(options, faults, self.state)

    def new_link(self, conn: ServerConnection, station_id: str) -> StationLink:
        return ChargePointLink(conn, station_id, lambda call: self.state.handle(station_id, call))

    def on_connected(self, station_id: str) -> None:
        self.state.connected(station_id)

    def server_options(self) -> dict[str, Any]:
        return {"reject_unsupported_subprotocol": True}  # OCPP-J 1.6 section 3.1.2

    def second_call(
        self, link: StationLink, action: str, payload: dict[str, Any]
    ) -> Coroutine[Any, Any, CallError | Any]:
        # A request a Core charge point has no answer for goes first and stays outstanding,
        # so the operator's request is always a second outstanding CALL.
        return link.call("GetLocalListVersion", {}, timeout=self.call_timeout, exclusive=False)

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
