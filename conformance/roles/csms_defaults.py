"""The mock CSMS's default answers to what a station sends, per OCPP version.

A case overrides any of them with `session.on(action, ...)` or takes over with `hold`.
Defaults are what a permissive, correct CSMS would answer, so a station that behaves is
never blocked by the harness.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from conformance.ocppj import OcppVersion
from conformance.roles.clock import now_iso
from conformance.roles.tokens import TokenBook
from conformance.session import Incoming, Responder


def defaults_for(
    version: OcppVersion, tokens: TokenBook, heartbeat_interval: int
) -> dict[str, Responder]:
    if version is OcppVersion.V16:
        return _defaults_16(tokens, heartbeat_interval)
    return _defaults_2x(tokens, heartbeat_interval)


def _empty(_msg: Incoming) -> Mapping[str, Any]:
    return {}


def _defaults_2x(tokens: TokenBook, heartbeat_interval: int) -> dict[str, Responder]:
    def boot(_msg: Incoming) -> Mapping[str, Any]:
        return {"currentTime": now_iso(), "interval": heartbeat_interval, "status": "Accepted"}

    def heartbeat(_msg: Incoming) -> Mapping[str, Any]:
        return {"currentTime": now_iso()}

    def id_token_info(token: Mapping[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"status": tokens.status(str(token.get("idToken", "")))}
        group = tokens.groups.get(str(token.get("idToken", "")))
        if group:
            info["groupIdToken"] = {"idToken": group, "type": "Central"}
        return info

    def authorize(msg: Incoming) -> Mapping[str, Any]:
        return {"idTokenInfo": id_token_info(msg.payload.get("idToken", {}))}

    def transaction_event(msg: Incoming) -> Mapping[str, Any]:
        token = msg.payload.get("idToken")
        return {"idTokenInfo": id_token_info(token)} if token else {}

    def data_transfer(_msg: Incoming) -> Mapping[str, Any]:
        return {"status": "UnknownVendorId"}

    def sign_certificate(_msg: Incoming) -> Mapping[str, Any]:
        return {"status": "Accepted"}

    def certificate_status(_msg: Incoming) -> Mapping[str, Any]:
        return {"status": "Failed"}

    out: dict[str, Responder] = {
        a: _empty
        for a in (
            "StatusNotification",
            "MeterValues",
            "NotifyReport",
            "NotifyEvent",
            "NotifyMonitoringReport",
            "SecurityEventNotification",
            "FirmwareStatusNotification",
            "LogStatusNotification",
            "NotifyChargingLimit",
            "ClearedChargingLimit",
            "NotifyCustomerInformation",
            "NotifyDisplayMessages",
            "ReservationStatusUpdate",
            "ReportChargingProfiles",
            "PublishFirmwareStatusNotification",
        )
    }
    out.update(
        BootNotification=boot,
        Heartbeat=heartbeat,
        Authorize=authorize,
        TransactionEvent=transaction_event,
        DataTransfer=data_transfer,
        SignCertificate=sign_certificate,
        GetCertificateStatus=certificate_status,
    )
    return out


def _defaults_16(tokens: TokenBook, heartbeat_interval: int) -> dict[str, Responder]:
    tx_ids = itertools.count(1)

    def boot(_msg: Incoming) -> Mapping[str, Any]:
        return {"currentTime": now_iso(), "interval": heartbeat_interval, "status": "Accepted"}

    def heartbeat(_msg: Incoming) -> Mapping[str, Any]:
        return {"currentTime": now_iso()}

    def tag_info(id_tag: str) -> dict[str, Any]:
        info: dict[str, Any] = {"status": TokenBook.status_16(tokens.status(id_tag))}
        if id_tag in tokens.groups:
            info["parentIdTag"] = tokens.groups[id_tag]
        return info

    def authorize(msg: Incoming) -> Mapping[str, Any]:
        return {"idTagInfo": tag_info(str(msg.payload.get("idTag", "")))}

    def start_transaction(msg: Incoming) -> Mapping[str, Any]:
        return {
            "transactionId": next(tx_ids),
            "idTagInfo": tag_info(str(msg.payload.get("idTag", ""))),
        }

    def stop_transaction(msg: Incoming) -> Mapping[str, Any]:
        id_tag = msg.payload.get("idTag")
        return {"idTagInfo": tag_info(str(id_tag))} if id_tag else {}

    def data_transfer(_msg: Incoming) -> Mapping[str, Any]:
        return {"status": "UnknownVendorId"}

    out: dict[str, Responder] = {
        a: _empty
        for a in (
            "StatusNotification",
            "MeterValues",
            "DiagnosticsStatusNotification",
            "FirmwareStatusNotification",
            "SecurityEventNotification",
            "LogStatusNotification",
            "SignedFirmwareStatusNotification",
        )
    }
    out.update(
        BootNotification=boot,
        Heartbeat=heartbeat,
        Authorize=authorize,
        StartTransaction=start_transaction,
        StopTransaction=stop_transaction,
        DataTransfer=data_transfer,
    )
    return out
