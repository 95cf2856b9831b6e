"""The reference CSMS for OCPP 2.0.1: a small, correct Core CSMS with fault injection.

Stations connect at `ws://host:port/ocpp/<station id>`; the server refuses a handshake that
offers no `ocpp2.0.1` subprotocol (OCPP-J 3.1.2). Operator verbs (`POST /verbs/<verb>` on the
control API) send the CSMS's requests to a connected station in the background and return at
once, because the harness's station answers only after the case has looked at the request;
`GET /state` shows stations, transactions and the last answers the CSMS got.
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
from collections.abc import Mapping
from typing import Any

from websockets.asyncio.server import ServerConnection

from conformance.ocppj import CallError, OcppVersion
from conformance.sim.control import ControlServer, VerbError, VerbHandler
from conformance.sim.csms201_link import STATION_ACTIONS, StationLink
from conformance.sim.csms201_state import Csms201State
from conformance.sim.faults import ActiveFaults, declare
from conformance.sim.options import CsmsOptions
from conformance.transport.server import Handshake, OcppServer
from conformance.transport.tls import CertFiles, server_context

_V = ("2.0.1",)


def _fault(name: str, description: str, *caught_by: str) -> None:
    declare(name, "csms", _V, description, caught_by)


_fault("c201-boot-interval-zero", "BootNotification Accepted with interval 0", "TC_B_01_CSMS")
_fault(
    "c201-boot-bad-time",
    "BootNotification currentTime without 'T' and time zone (not RFC 3339)",
    "TC_B_01_CSMS",
)
_fault("c201-pending-ignored", "answers Accepted although Pending was configured", "TC_B_02_CSMS")
_fault(
    "c201-no-security-error",
    "answers requests of a Pending station normally instead of SecurityError",
    "TC_B_30_CSMS",
)
_fault("c201-heartbeat-no-time", "Heartbeat answered without currentTime", "TC_F_20_CSMS")
_fault(
    "c201-unknown-token-accepted",
    "Authorize / TransactionEvent: an unknown idToken is Accepted",
    "TC_E_16_CSMS",
)
_fault(
    "c201-tx-started-no-idtokeninfo",
    "TransactionEvent Started with an idToken answered without idTokenInfo",
    "TC_E_04_CSMS",
)
_fault(
    "c201-seqno-per-station",
    "treats seqNo as a per-station counter: a new transaction's seqNo 0 is refused",
    "TC_E_53_CSMS",
)
_fault(
    "c201-remote-start-wrong-evse",
    "RequestStartTransaction names another evseId than the operator asked for",
    "TC_F_01_CSMS",
)
_fault(
    "c201-remote-start-wrong-idtoken",
    "RequestStartTransaction carries another idToken than the operator asked for",
    "TC_F_02_CSMS",
)
_fault(
    "c201-remote-stop-wrong-tx",
    "RequestStopTransaction names a transactionId the station never used",
    "TC_E_21_CSMS",
)
_fault("c201-reset-wrong-type", "Reset sent with the other type (OnIdle/Immediate)", "TC_B_20_CSMS")
_fault(
    "c201-get-variables-wrong-component",
    "GetVariables asks for a misspelt component",
    "TC_B_06_CSMS",
)
_fault(
    "c201-set-variables-wrong-value",
    "SetVariables sends another attributeValue than the operator asked for",
    "TC_B_09_CSMS",
)
_fault(
    "c201-base-report-wrong-type",
    "GetBaseReport asks for the other reportBase",
    "TC_B_12_CSMS",
)
_fault(
    "c201-trigger-wrong-message",
    "TriggerMessage asks for another requestedMessage than the operator chose",
    "TC_F_20_CSMS",
)
_fault(
    "c201-network-profile-wrong-version",
    "SetNetworkProfile announces ocppVersion OCPP16 on a 2.0.1 connection",
    "TC_B_42_CSMS",
)
_fault(
    "c201-tx-status-wrong-id",
    "GetTransactionStatus names another transactionId than the operator asked for",
    "TC_E_29_CSMS",
)
_fault(
    "c201-accept-any-subprotocol",
    "accepts a WebSocket handshake that offers no ocpp2.0.1 subprotocol",
    "TC_B_58_CSMS",
)
_fault(
    "c201-duplicate-message-id",
    "sends each operator request twice under the same message id",
    "TC_F_01_CSMS",
)
_fault(
    "c201-second-outstanding-call",
    "sends each operator request twice without waiting for the first answer",
    "TC_B_06_CSMS",
)
_fault("c201-no-response", "never answers StatusNotification", "TC_B_01_CSMS")
_fault("c201-late-response", "answers Authorize only after several seconds", "TC_E_04_CSMS")
_fault(
    "c201-callerror-instead-of-result",
    "answers NotifyReport with CALLERROR InternalError",
    "TC_B_13_CSMS",
)
_fault(
    "c201-wrong-message-id",
    "answers TransactionEvent under another message id",
    "TC_E_03_CSMS",
)

_TRIGGER_SWAP = {"Heartbeat": "StatusNotification"}


def _component(value: Any) -> dict[str, Any]:
    """A verb's component/variable argument: a name or an already-shaped object."""
    return dict(value) if isinstance(value, Mapping) else {"name": str(value)}


class ReferenceCsms201:
    """`Simulator` for `ocpp-conformance sim csms --ocpp 2.0.1`."""

    def __init__(self, options: CsmsOptions, faults: ActiveFaults) -> None:
        self.options = options
        self.faults = faults
        self.state = Csms201State(options, faults)
        self.links: dict[str, StationLink] = {}
        self.server: OcppServer | None = None
        self.control: ControlServer | None = None
        self._stopped = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._request_ids = itertools.count(1)
        self._remote_start_ids = itertools.count(1)
        self.call_timeout = float(options.extra.get("call_timeout", 60.0))

    # -- lifecycle -------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext | None:
        o = self.options
        if o.security_profile < 2 or o.server_cert is None or o.server_key is None:
            return None
        return server_context(
            CertFiles(o.server_cert, o.server_key),
            client_ca=o.ca_cert if o.security_profile == 3 else None,
        )

    async def start(self) -> dict[str, str]:
        o = self.options
        self.server = OcppServer(
            self._on_connection,
            version=OcppVersion.V201,
            host=o.host,
            port=o.port,
            path_prefix=o.path_prefix,
            passwords=o.passwords or None,
            ssl_context=self._ssl_context(),
            require_auth=o.security_profile in (1, 2),
            reject_unsupported_subprotocol=not self.faults.on("c201-accept-any-subprotocol"),
        )
        await self.server.start()
        self.control = ControlServer(
            self._verbs(), self.state_json, host=o.control_host, port=o.control_port
        )
        await self.control.start()
        return {"ocpp": self.server.url(), "control": self.control.url}

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for link in list(self.links.values()):
            await link.close()
        if self.control is not None:
            await self.control.close()
        if self.server is not None:
            await self.server.close()
        self._stopped.set()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    async def _on_connection(self, conn: ServerConnection, hs: Handshake) -> None:
        station_id = hs.station_id
        link = StationLink(conn, station_id, lambda call: self.state.handle(station_id, call))
        previous = self.links.get(station_id)
        self.links[station_id] = link
        self.state.record(station_id)
        if previous is not None:
            await previous.close()  # a new connection with the same id replaces the old one
        try:
            await link.run()
        finally:
            if self.links.get(station_id) is link:
                del self.links[station_id]

    def state_json(self) -> Mapping[str, Any]:
        return {
            "stations": {
                sid: {"connected": sid in self.links, **rec.to_json()}
                for sid, rec in self.state.stations.items()
            }
        }

    # -- sending the CSMS's requests -------------------------------------------------------

    def _link(self, args: Mapping[str, Any]) -> StationLink:
        station_id = args.get("station_id")
        if not station_id:
            raise VerbError("station_id is required")
        link = self.links.get(str(station_id))
        if link is None or link.closed.is_set():
            raise VerbError(f"station {station_id!r} is not connected")
        return link

    def _send(self, args: Mapping[str, Any], action: str, payload: dict[str, Any]) -> Any:
        link = self._link(args)
        task = asyncio.ensure_future(self._perform(link, action, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return {"action": action, "request": payload}

    async def _perform(self, link: StationLink, action: str, payload: dict[str, Any]) -> None:
        rec = self.state.record(link.station_id)
        calls = [
            link.call(
                action,
                payload,
                timeout=self.call_timeout,
                duplicate_frame=self.faults.on("c201-duplicate-message-id"),
                exclusive=not self.faults.on("c201-second-outstanding-call"),
            )
        ]
        if self.faults.on("c201-second-outstanding-call"):
            calls.append(link.call(action, payload, timeout=self.call_timeout, exclusive=False))
        results = await asyncio.gather(*calls, return_exceptions=True)
        answer = results[0]
        if isinstance(answer, BaseException):
            rec.responses[action] = {"error": repr(answer)}
        elif isinstance(answer, CallError):
            rec.responses[action] = {"callError": answer.error_code}
        else:
            rec.responses[action] = answer.payload

    # -- operator verbs --------------------------------------------------------------------

    def _verbs(self) -> dict[str, VerbHandler]:
        names = (
            "set_boot_status",
            "request_start_transaction",
            "request_stop_transaction",
            "reset",
            "change_availability",
            "unlock_connector",
            "get_variables",
            "set_variables",
            "get_base_report",
            "trigger_message",
            "clear_cache",
            "get_transaction_status",
            "set_network_profile",
            "data_transfer",
        )

        def wrap(name: str) -> VerbHandler:
            method = getattr(self, f"verb_{name}")

            async def handler(args: dict[str, Any]) -> Mapping[str, Any] | None:
                result: Mapping[str, Any] | None = method(args)
                return result

            return handler

        return {n: wrap(n) for n in names}

    def verb_set_boot_status(self, args: Mapping[str, Any]) -> Any:
        status = str(args.get("status") or "Accepted")
        if status not in ("Accepted", "Pending", "Rejected"):
            raise ValueError(f"status must be Accepted, Pending or Rejected, not {status!r}")
        interval = int(args.get("interval") or self.options.heartbeat_interval)
        station_id = args.get("station_id")
        if not station_id:
            raise VerbError("station_id is required")
        self.state.record(str(station_id)).next_boot = (status, interval)
        return {"status": status, "interval": interval}

    def verb_request_start_transaction(self, args: Mapping[str, Any]) -> Any:
        token = str(args.get("id_token") or self.options.valid_tokens[0])
        if self.faults.on("c201-remote-start-wrong-idtoken"):
            token = token[::-1] + "X"
        payload: dict[str, Any] = {
            "idToken": {"idToken": token, "type": str(args.get("type") or "ISO14443")},
            "remoteStartId": next(self._remote_start_ids),
        }
        if args.get("evse_id") is not None:
            evse = int(args["evse_id"])
            payload["evseId"] = evse + 1 if self.faults.on("c201-remote-start-wrong-evse") else evse
        return self._send(args, "RequestStartTransaction", payload)

    def verb_request_stop_transaction(self, args: Mapping[str, Any]) -> Any:
        tx_id = args.get("transaction_id")
        if not tx_id:
            rec = self.state.record(str(args.get("station_id")))
            tx = rec.open_transaction()
            if tx is None:
                raise VerbError("no transaction_id given and no open transaction known")
            tx_id = tx.transaction_id
        if self.faults.on("c201-remote-stop-wrong-tx"):
            tx_id = f"unknown-{tx_id}"[:36]
        return self._send(args, "RequestStopTransaction", {"transactionId": str(tx_id)})

    def verb_reset(self, args: Mapping[str, Any]) -> Any:
        kind = str(args.get("type") or "Immediate")
        if self.faults.on("c201-reset-wrong-type"):
            kind = "Immediate" if kind == "OnIdle" else "OnIdle"
        payload: dict[str, Any] = {"type": kind}
        if args.get("evse_id") is not None:
            payload["evseId"] = int(args["evse_id"])
        return self._send(args, "Reset", payload)

    def verb_change_availability(self, args: Mapping[str, Any]) -> Any:
        payload: dict[str, Any] = {
            "operationalStatus": str(args.get("operational_status") or "Operative")
        }
        if args.get("evse_id") is not None:
            evse: dict[str, Any] = {"id": int(args["evse_id"])}
            if args.get("connector_id") is not None:
                evse["connectorId"] = int(args["connector_id"])
            payload["evse"] = evse
        return self._send(args, "ChangeAvailability", payload)

    def verb_unlock_connector(self, args: Mapping[str, Any]) -> Any:
        payload = {
            "evseId": int(args.get("evse_id") or 1),
            "connectorId": int(args.get("connector_id") or 1),
        }
        return self._send(args, "UnlockConnector", payload)

    def verb_get_variables(self, args: Mapping[str, Any]) -> Any:
        data = []
        for item in args.get("variables") or []:
            component = _component(item["component"])
            if self.faults.on("c201-get-variables-wrong-component"):
                component["name"] = component["name"][:-1] or "X"
            entry: dict[str, Any] = {
                "component": component,
                "variable": _component(item["variable"]),
            }
            if item.get("attribute_type"):
                entry["attributeType"] = item["attribute_type"]
            data.append(entry)
        if not data:
            raise ValueError("variables must name at least one component/variable")
        return self._send(args, "GetVariables", {"getVariableData": data})

    def verb_set_variables(self, args: Mapping[str, Any]) -> Any:
        data = []
        for item in args.get("variables") or []:
            value = str(item["value"])
            if self.faults.on("c201-set-variables-wrong-value"):
                value += "0"
            entry: dict[str, Any] = {
                "component": _component(item["component"]),
                "variable": _component(item["variable"]),
                "attributeValue": value,
            }
            if item.get("attribute_type"):
                entry["attributeType"] = item["attribute_type"]
            data.append(entry)
        if not data:
            raise ValueError("variables must name at least one component/variable/value")
        return self._send(args, "SetVariables", {"setVariableData": data})

    def verb_get_base_report(self, args: Mapping[str, Any]) -> Any:
        base = str(args.get("report_base") or "FullInventory")
        if self.faults.on("c201-base-report-wrong-type"):
            base = "FullInventory" if base == "ConfigurationInventory" else "ConfigurationInventory"
        link = self._link(args)
        rec = self.state.record(link.station_id)
        if rec.registration == "Pending":
            rec.allowed_while_pending.add("NotifyReport")
        payload = {"requestId": next(self._request_ids), "reportBase": base}
        return self._send(args, "GetBaseReport", payload)

    def verb_trigger_message(self, args: Mapping[str, Any]) -> Any:
        requested = str(args.get("requested_message") or "")
        if not requested:
            raise ValueError("requested_message is required")
        if self.faults.on("c201-trigger-wrong-message"):
            requested = _TRIGGER_SWAP.get(requested, "Heartbeat")
        payload: dict[str, Any] = {"requestedMessage": requested}
        if args.get("evse_id") is not None:
            evse: dict[str, Any] = {"id": int(args["evse_id"])}
            if args.get("connector_id") is not None:
                evse["connectorId"] = int(args["connector_id"])
            payload["evse"] = evse
        link = self._link(args)
        rec = self.state.record(link.station_id)
        if rec.registration == "Pending" and requested in STATION_ACTIONS:
            rec.allowed_while_pending.add(requested)
        return self._send(args, "TriggerMessage", payload)

    def verb_clear_cache(self, args: Mapping[str, Any]) -> Any:
        return self._send(args, "ClearCache", {})

    def verb_get_transaction_status(self, args: Mapping[str, Any]) -> Any:
        payload: dict[str, Any] = {}
        if args.get("transaction_id"):
            tx_id = str(args["transaction_id"])
            if self.faults.on("c201-tx-status-wrong-id"):
                tx_id = f"other-{tx_id}"[:36]
            payload["transactionId"] = tx_id
        return self._send(args, "GetTransactionStatus", payload)

    def verb_set_network_profile(self, args: Mapping[str, Any]) -> Any:
        assert self.server is not None
        version = "OCPP16" if self.faults.on("c201-network-profile-wrong-version") else "OCPP20"
        payload = {
            "configurationSlot": int(args.get("configuration_slot") or 1),
            "connectionData": {
                "ocppVersion": version,
                "ocppTransport": "JSON",
                "ocppCsmsUrl": self.server.url(),
                "messageTimeout": 30,
                "securityProfile": self.options.security_profile,
                "ocppInterface": "Wired0",
            },
        }
        return self._send(args, "SetNetworkProfile", payload)

    def verb_data_transfer(self, args: Mapping[str, Any]) -> Any:
        payload: dict[str, Any] = {"vendorId": str(args.get("vendor_id") or "ocpp-conformance")}
        if args.get("message_id"):
            payload["messageId"] = str(args["message_id"])
        if args.get("data") is not None:
            payload["data"] = args["data"]
        return self._send(args, "DataTransfer", payload)
