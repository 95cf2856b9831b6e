"""The reference CSMS for OCPP 2.0.1: a small, correct Core CSMS with fault injection.

Stations connect at `ws://host:port/ocpp/<station id>`; the server refuses a handshake that
offers no `ocpp2.0.1` subprotocol (OCPP-J 3.1.2). Operator verbs (`POST /verbs/<verb>` on the
control API) send the CSMS's requests to a connected station in the background and return at
once, because the harness's station answers only after the case has looked at the request;
`GET /state` shows stations, transactions and the last answers the CSMS got.
"""

from __future__ import annotations

import itertools
import secrets
import ssl
from collections.abc import Mapping
from typing import Any

from cryptography.x509.oid import NameOID
from websockets.asyncio.server import ServerConnection

from conformance.ocppj import Call, OcppVersion
from conformance.sim.control import VerbError
from conformance.sim.csms201_certificates import CertificateVerbs
from conformance.sim.csms201_diagnostics import DiagnosticsVerbs
from conformance.sim.csms201_firmware import CsmsFirmware
from conformance.sim.csms201_link import STATION_ACTIONS, Answer, StationLink, station_actions
from conformance.sim.csms201_locallist import LocalListVerbs
from conformance.sim.csms201_reservations import ReservationVerbs
from conformance.sim.csms201_state import Csms201State
from conformance.sim.csms201_upgrade import SecurityUpgrade
from conformance.sim.csms_base import ReferenceCsmsBase
from conformance.sim.faults import ActiveFaults, declarer
from conformance.sim.options import CsmsOptions
from conformance.transport.server import check_basic_auth
from conformance.transport.tls import CertFiles, load_chain, make_csr, server_context, sign_csr

_V = ("2.0.1",)


_fault = declarer("csms", _V)


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
    "TC_C_02_CSMS",
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
    "sends each operator request while its own earlier GetCompositeSchedule is unanswered",
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

# -- authorization (C), availability (G), meter values (J), data transfer (P) ------------
_fault(
    "c201-blocked-token-accepted",
    "Authorize / TransactionEvent: a blocked idToken is Accepted",
    "TC_C_06_CSMS",
)
_fault(
    "c201-expired-token-accepted",
    "Authorize / TransactionEvent: an expired idToken is Accepted",
    "TC_C_07_CSMS",
)
_fault(
    "c201-tx-updated-no-idtokeninfo",
    "TransactionEvent Updated with an idToken answered without idTokenInfo",
    "TC_C_08_CSMS",
)
_fault(
    "c201-tx-updated-token-trusted",
    "TransactionEvent Updated: the idToken is Accepted unchecked (trusts the station's cache)",
    "TC_C_20_CSMS",
)
_fault(
    "c201-group-id-missing",
    "Authorize / TransactionEvent: valid idTokens answered without their groupIdToken",
    "TC_C_39_CSMS",
    "TC_C_40_CSMS",
    "TC_C_43_CSMS",
)
_fault(
    "c201-master-pass-no-group",
    "a master pass idToken answered Accepted without the MasterPassGroupId groupIdToken",
    "TC_C_47_CSMS",
    "TC_C_48_CSMS",
    "TC_C_49_CSMS",
)
_fault(
    "c201-clear-cache-not-sent",
    "the clear_cache operator action sends no ClearCacheRequest",
    "TC_C_37_CSMS",
    "TC_C_38_CSMS",
)
_fault(
    "c201-availability-inverted",
    "ChangeAvailability sent with the opposite operationalStatus",
    "TC_G_03_CSMS",
    "TC_G_04_CSMS",
    "TC_G_06_CSMS",
    "TC_G_11_CSMS",
)
_fault(
    "c201-availability-evse-zero",
    "ChangeAvailability for the whole station names evse.id 0 instead of omitting evse",
    "TC_G_05_CSMS",
    "TC_G_14_CSMS",
)
_fault(
    "c201-availability-no-connector",
    "ChangeAvailability for a connector omits evse.connectorId (so the whole EVSE changes)",
    "TC_G_07_CSMS",
    "TC_G_08_CSMS",
    "TC_G_17_CSMS",
)
_fault(
    "c201-notify-event-problem-error",
    "NotifyEvent reporting a Problem (e.g. a connector lock failure) answered CALLERROR",
    "TC_G_20_CSMS",
)
_fault(
    "c201-meter-evse0-rejected",
    "MeterValues for evseId 0 (the main meter) answered CALLERROR",
    "TC_J_01_CSMS",
)
_fault(
    "c201-tx-meter-context-rejected",
    "TransactionEvent meter values with a context other than Sample.Periodic answered CALLERROR",
    "TC_J_02_CSMS",
    "TC_J_03_CSMS",
    "TC_J_07_CSMS",
    "TC_J_08_CSMS",
    "TC_J_10_CSMS",
)
_fault(
    "c201-signed-meter-rejected",
    "meter values carrying a signedMeterValue answered CALLERROR",
    "TC_J_04_CSMS",
    "TC_J_11_CSMS",
)
_fault(
    "c201-meter-decimal-rejected",
    "meter values with a fractional sampledValue.value answered CALLERROR",
    "TC_J_09_CSMS",
)
_fault(
    "c201-data-transfer-accepted",
    "DataTransfer with a vendorId the CSMS does not know answered Accepted",
    "TC_P_02_CSMS",
)
_fault(
    "c201-custom-data-rejected",
    "requests carrying customData answered CALLERROR FormatViolation",
    "TC_P_03_CSMS",
)

# -- security (A) ------------------------------------------------------------------------
_fault(
    "c201-accept-wrong-password",
    "basic auth: accepts any password for a known station id",
    "TC_A_03_CSMS",
)
_fault(
    "c201-accept-any-username",
    "basic auth: does not check that the user name equals the station id in the URL",
    "TC_A_02_CSMS",
)
_fault("c201-tls11", "accepts TLS 1.1 handshakes (TLS 1.2 is the minimum)", "TC_A_06_CSMS")
_fault(
    "c201-tls-cbc-only",
    "TLS 1.2 with AES-CBC suites only: the required AES-GCM suites are not offered",
    "TC_A_04_CSMS",
)
_fault(
    "c201-no-client-cert-check",
    "security profile 3 without asking for a client certificate: any station gets in",
    "TC_A_08_CSMS",
)

_fault(
    "c201-password-not-stored",
    "after the station accepted a new BasicAuthPassword, still expects the old one",
    "TC_A_09_CSMS",
)
_fault(
    "c201-password-stored-on-reject",
    "expects the new BasicAuthPassword although the station rejected it",
    "TC_A_10_CSMS",
)
_fault(
    "c201-weak-password-sent",
    "sends a BasicAuthPassword of 8 characters (A00.FR.204: 16 to 40)",
    "TC_A_09_CSMS",
)

_fault(
    "c201-sign-certificate-rejected",
    "answers every SignCertificateRequest Rejected (never signs the station's CSR)",
    "TC_A_11_CSMS",
    "TC_A_14_CSMS",
)
_fault(
    "c201-signed-wrong-key",
    "CertificateSigned carries a certificate for another key than the station's CSR",
    "TC_A_11_CSMS",
)

# -- firmware management (L): conformance/sim/csms201_firmware.py --------------------------
_L_UPDATE = tuple(f"TC_L_{n:02d}_CSMS" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13))
_fault(
    "c201-firmware-unsigned",
    "UpdateFirmware without firmware.signingCertificate and signature (a non-secure update)",
    *_L_UPDATE,
)
_fault(
    "c201-firmware-bad-certificate",
    "UpdateFirmware firmware.signingCertificate is a mangled PEM, no X.509 certificate",
    "TC_L_01_CSMS",
)
_fault(
    "c201-firmware-install-now",
    "UpdateFirmware omits the installDateTime the operator scheduled (installs at once)",
    "TC_L_02_CSMS",
)
_fault(
    "c201-firmware-retrieve-now",
    "UpdateFirmware retrieveDateTime is now instead of the operator's future date-time",
    "TC_L_03_CSMS",
)
_fault(
    "c201-firmware-security-event-error",
    "SecurityEventNotification InvalidFirmwareSigningCertificate answered CALLERROR",
    "TC_L_04_CSMS",
    "TC_L_05_CSMS",
)
_fault(
    "c201-firmware-failure-error",
    "FirmwareStatusNotification with a failure status (DownloadFailed, ...) answered CALLERROR",
    "TC_L_06_CSMS",
    "TC_L_07_CSMS",
    "TC_L_08_CSMS",
    "TC_L_09_CSMS",
)
_fault(
    "c201-firmware-request-id-reused",
    "every UpdateFirmware carries requestId 1, a new update reuses the previous one's id",
    "TC_L_10_CSMS",
    "TC_L_11_CSMS",
)
_fault(
    "c201-firmware-boot-pending",
    "the BootNotification after a firmware update (reason FirmwareUpdate) answered Pending",
    "TC_L_01_CSMS",
    "TC_L_13_CSMS",
)
_fault(
    "c201-publish-bad-checksum",
    "PublishFirmware checksum is the MD5 digest in base64, not 32 hex digits",
    "TC_L_17_CSMS",
    "TC_L_19_CSMS",
    "TC_L_20_CSMS",
    "TC_L_24_CSMS",
)
_fault(
    "c201-publish-failure-error",
    "PublishFirmwareStatusNotification with a failure status answered CALLERROR",
    "TC_L_19_CSMS",
    "TC_L_20_CSMS",
    "TC_L_24_CSMS",
)
_fault(
    "c201-unpublish-wrong-checksum",
    "UnpublishFirmware names another checksum than the firmware the operator chose",
    "TC_L_21_CSMS",
    "TC_L_22_CSMS",
    "TC_L_23_CSMS",
)

# -- security profile upgrade (A05): conformance/sim/csms201_upgrade.py ---------------------
_fault(
    "c201-upgrade-profile-ignored",
    "SetNetworkProfile carries the current securityProfile, not the higher one the operator set",
    "TC_A_19_CSMS",
)
_fault(
    "c201-upgrade-old-profile-accepted",
    "after upgrading a station to security profile 3, still lets it in at profile 2",
    "TC_A_19_CSMS",
)

_TRIGGER_SWAP = {"Heartbeat": "StatusNotification"}


def _component(value: Any) -> dict[str, Any]:
    """A verb's component/variable argument: a name or an already-shaped object."""
    return dict(value) if isinstance(value, Mapping) else {"name": str(value)}


class ReferenceCsms201(
    CertificateVerbs, DiagnosticsVerbs, ReservationVerbs, LocalListVerbs, ReferenceCsmsBase
):
    """`Simulator` for `ocpp-conformance sim csms --ocpp 2.0.1`."""

    version = OcppVersion.V201
    fault_prefix = "c201-"
    blocking_call = ("GetCompositeSchedule", {"duration": 60, "evseId": 0})
    verb_names = (
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
        "update_basic_auth_password",
        "update_firmware",
        "publish_firmware",
        "unpublish_firmware",
    )

    def __init__(self, options: CsmsOptions, faults: ActiveFaults) -> None:
        self.state: Csms201State = Csms201State(options, faults)
        super().__init__(options, faults, self.state)
        # 2.0.1, or 2.1 (`--ocpp 2.1`): 2.1 keeps every 2.0.1 message and field, so the same
        # CSMS serves it, under the ocpp2.1 subprotocol and validated against 2.1's schemas.
        self.version = options.version
        self._request_ids = itertools.count(1)
        self._remote_start_ids = itertools.count(1)
        self.firmware = CsmsFirmware(faults)
        self.upgrade = SecurityUpgrade(options.security_profile, faults)

    def new_link(self, conn: ServerConnection, station_id: str) -> StationLink:
        return StationLink(
            conn,
            station_id,
            lambda call: self._handle(station_id, call),
            version=self.version,
            supported=station_actions(self.version),
        )

    def server_options(self) -> dict[str, Any]:
        return {
            "reject_unsupported_subprotocol": not self.faults.on("c201-accept-any-subprotocol"),
            "authenticator": self._authenticate,
            "admission": self.upgrade.admit,
        }

    async def _perform(self, link: StationLink, action: str, payload: dict[str, Any]) -> None:
        await super()._perform(link, action, payload)
        answer = self.state.record(link.station_id).responses.get(action)
        self.upgrade.answered(link.station_id, action, payload, answer)

    def state_json(self) -> Mapping[str, Any]:
        out = dict(super().state_json())
        for sid, station in out.get("stations", {}).items():
            if sid in self.firmware.records:
                station["firmware"] = self.firmware.records[sid].to_json()
            if sid in self.upgrade.records:
                station["securityUpgrade"] = self.upgrade.records[sid].to_json()
        return out

    # -- lifecycle -------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext | None:
        o = self.options
        if o.security_profile < 2 or o.server_cert is None or o.server_key is None:
            return None
        mutual = o.security_profile == 3 and not self.faults.on("c201-no-client-cert-check")
        old_tls = self.faults.on("c201-tls11")
        ctx = server_context(
            CertFiles(o.server_cert, o.server_key),
            client_ca=o.ca_cert if mutual else None,
            minimum=ssl.TLSVersion.TLSv1_1 if old_tls else ssl.TLSVersion.TLSv1_2,
        )
        if self.faults.on("c201-tls-cbc-only"):
            ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:AES128-SHA")
        if o.security_profile == 2 and o.ca_cert is not None:
            # A05: a station upgraded to profile 3 connects here with its client certificate.
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(o.ca_cert)
        return ctx

    def _authenticate(
        self, station_id: str, creds: tuple[str, str] | None, expected: str | None
    ) -> str | None:
        """HTTP Basic as the spec wants it (check_basic_auth), unless a fault loosens it."""
        if creds is not None and self.faults.on("c201-accept-any-username"):
            creds = (station_id, creds[1])
        if (
            creds is not None
            and expected is not None
            and self.faults.on("c201-accept-wrong-password")
        ):
            creds = (creds[0], expected)
        return check_basic_auth(station_id, creds, expected)

    async def _handle(self, station_id: str, call: Call) -> Answer:
        rec = self.state.record(station_id)
        firmware = self.firmware.handle(rec, call)
        if firmware is not None:
            return firmware
        if call.action == "SignCertificate" and rec.registration == "Accepted":
            return self._sign_certificate(station_id, call.payload)
        if rec.registration == "Accepted":  # block N reports: csms201_diagnostics.py
            diagnostics = self.diagnostics_answer(station_id, call)
            if diagnostics is not None:
                return diagnostics
            reservation = self.reservation_answer(station_id, call)  # csms201_reservations.py
            if reservation is not None:
                return reservation
        return await self.state.handle(station_id, call)

    def _sign_certificate(self, station_id: str, payload: Mapping[str, Any]) -> Answer:
        """A02/A03: the CSMS is the CA here. Accept a CSR it can sign (valid signature, the
        station id as commonName) and send the certificate in a CertificateSignedRequest."""
        o = self.options
        csr = str(payload.get("csr", ""))
        kind = payload.get("certificateType")
        if (
            o.ca_cert is None
            or o.ca_key is None
            or self.faults.on("c201-sign-certificate-rejected")
        ):
            return Answer({"status": "Rejected"})
        issuer = CertFiles(o.ca_cert, o.ca_key)
        if self.faults.on("c201-signed-wrong-key"):
            other, _key = make_csr(station_id, "ocpp-conformance")
            csr = other
        try:
            chain = sign_csr(csr, issuer)
            names = load_chain(chain)[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        except ValueError:
            return Answer({"status": "Rejected"})
        if [n.value for n in names] != [station_id]:
            return Answer({"status": "Rejected"})  # a CSR for another identity
        request: dict[str, Any] = {"certificateChain": chain}
        if kind is not None:
            request["certificateType"] = kind
        link = self.links.get(station_id)

        async def deliver() -> None:
            if link is not None:
                await self._perform(link, "CertificateSigned", request)

        self.spawn(deliver())
        return Answer({"status": "Accepted"})

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
        status = str(args.get("operational_status") or "Operative")
        if status not in ("Operative", "Inoperative"):
            raise ValueError(f"operational_status must be Operative or Inoperative, not {status!r}")
        if self.faults.on("c201-availability-inverted"):
            status = "Inoperative" if status == "Operative" else "Operative"
        payload: dict[str, Any] = {"operationalStatus": status}
        target = "station"
        if args.get("evse_id") is not None:
            evse: dict[str, Any] = {"id": int(args["evse_id"])}
            target = str(evse["id"])
            if args.get("connector_id") is not None:
                target += f"/{int(args['connector_id'])}"
                if not self.faults.on("c201-availability-no-connector"):
                    evse["connectorId"] = int(args["connector_id"])
            payload["evse"] = evse
        elif self.faults.on("c201-availability-evse-zero"):
            payload["evse"] = {"id": 0}
        link = self._link(args)
        self.spawn(self._change_availability(link, payload, target))
        return {"action": "ChangeAvailability", "request": payload}

    async def _change_availability(
        self, link: StationLink, payload: dict[str, Any], target: str
    ) -> None:
        """G03/G04: remember what the station took on (Accepted now, Scheduled after the
        transaction); a Rejected change leaves the known availability as it was."""
        await self._perform(link, "ChangeAvailability", payload)
        rec = self.state.record(link.station_id)
        status = (rec.responses.get("ChangeAvailability") or {}).get("status")
        if status == "Accepted":
            rec.availability[target] = payload["operationalStatus"]
            rec.pending_availability.pop(target, None)
        elif status == "Scheduled":
            rec.pending_availability[target] = payload["operationalStatus"]

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
        if self.faults.on("c201-clear-cache-not-sent"):
            self._link(args)
            return {"action": "ClearCache"}
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
        level = int(args.get("security_profile") or self.options.security_profile)
        if self.faults.on("c201-upgrade-profile-ignored"):
            level = self.options.security_profile
        payload = {
            "configurationSlot": int(args.get("configuration_slot") or 1),
            "connectionData": {
                "ocppVersion": version,
                "ocppTransport": "JSON",
                "ocppCsmsUrl": self.server.url(),
                "messageTimeout": 30,
                "securityProfile": level,
                "ocppInterface": "Wired0",
            },
        }
        return self._send(args, "SetNetworkProfile", payload)

    def verb_update_basic_auth_password(self, args: Mapping[str, Any]) -> Any:
        """A01: SetVariables SecurityCtrlr.BasicAuthPassword; the CSMS expects the new
        password from the station once it answered Accepted (never before, never else)."""
        password = str(args.get("password") or "") or secrets.token_urlsafe(18)[:24]
        if self.faults.on("c201-weak-password-sent"):
            password = password[:8]
        link = self._link(args)
        payload = {
            "setVariableData": [
                {
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                    "attributeValue": password,
                }
            ]
        }
        self.spawn(self._update_password(link, payload, password))
        return {"action": "SetVariables"}  # the password is not echoed

    async def _update_password(
        self, link: StationLink, payload: dict[str, Any], password: str
    ) -> None:
        await self._perform(link, "SetVariables", payload)
        answer = self.state.record(link.station_id).responses.get("SetVariables") or {}
        results = answer.get("setVariableResult") or [{}]
        accepted = results[0].get("attributeStatus") == "Accepted"
        if accepted and self.faults.on("c201-password-not-stored"):
            accepted = False
        elif not accepted and self.faults.on("c201-password-stored-on-reject"):
            accepted = True
        if accepted:
            self.options.passwords[link.station_id] = password

    def verb_data_transfer(self, args: Mapping[str, Any]) -> Any:
        payload: dict[str, Any] = {"vendorId": str(args.get("vendor_id") or "ocpp-conformance")}
        if args.get("message_id"):
            payload["messageId"] = str(args["message_id"])
        if args.get("data") is not None:
            payload["data"] = args["data"]
        return self._send(args, "DataTransfer", payload)

    # -- firmware management (L01, L03, L04): conformance/sim/csms201_firmware.py ---------

    def verb_update_firmware(self, args: Mapping[str, Any]) -> Any:
        link = self._link(args)
        payload = self.firmware.update_firmware(link.station_id, args)
        return self._send(args, "UpdateFirmware", payload)

    def verb_publish_firmware(self, args: Mapping[str, Any]) -> Any:
        link = self._link(args)
        return self._send(args, "PublishFirmware", self.firmware.publish_firmware(link.station_id))

    def verb_unpublish_firmware(self, args: Mapping[str, Any]) -> Any:
        return self._send(args, "UnpublishFirmware", self.firmware.unpublish_firmware(args))
