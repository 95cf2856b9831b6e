"""What differs between OCPP-J versions: subprotocols, CallError codes, message directions.

Kept as plain data so the codec, the session and the reference DUTs read the same facts.
"""

from __future__ import annotations

import enum


class OcppVersion(enum.StrEnum):
    V16 = "1.6"
    V201 = "2.0.1"
    V21 = "2.1"

    @property
    def subprotocol(self) -> str:
        return SUBPROTOCOLS[self]

    @property
    def is_2x(self) -> bool:
        return self is not OcppVersion.V16

    @classmethod
    def parse(cls, text: str) -> OcppVersion:
        """Accept "1.6", "2.0.1", "2.1" and the subprotocol names ("ocpp2.0.1")."""
        cleaned = text.strip().lower().removeprefix("ocpp").removesuffix("j")
        for v in cls:
            if v.value == cleaned:
                return v
        raise ValueError(f"unknown OCPP version {text!r} (expected 1.6, 2.0.1 or 2.1)")


SUBPROTOCOLS: dict[OcppVersion, str] = {
    OcppVersion.V16: "ocpp1.6",
    OcppVersion.V201: "ocpp2.0.1",
    OcppVersion.V21: "ocpp2.1",
}

# OCPP-J 1.6 section 4.2.3 (note the spec's own spelling "Occurence").
ERROR_CODES_16 = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
)
# OCPP 2.0.1 Part 4 section 4.3; 2.1 keeps the same list.
ERROR_CODES_2X = frozenset(
    {
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    }
)


def error_codes(version: OcppVersion) -> frozenset[str]:
    return ERROR_CODES_16 if version is OcppVersion.V16 else ERROR_CODES_2X


# Actions whose request the charging station sends (the rest are sent by the CSMS).
# DataTransfer goes both ways and is listed in both.
_CS_16 = {
    "Authorize",
    "BootNotification",
    "DataTransfer",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StartTransaction",
    "StatusNotification",
    "StopTransaction",
    # 1.6 security whitepaper extension
    "LogStatusNotification",
    "SecurityEventNotification",
    "SignCertificate",
    "SignedFirmwareStatusNotification",
}
_CS_201 = {
    "Authorize",
    "BootNotification",
    "ClearedChargingLimit",
    "DataTransfer",
    "FirmwareStatusNotification",
    "Get15118EVCertificate",
    "GetCertificateStatus",
    "Heartbeat",
    "LogStatusNotification",
    "MeterValues",
    "NotifyChargingLimit",
    "NotifyCustomerInformation",
    "NotifyDisplayMessages",
    "NotifyEVChargingNeeds",
    "NotifyEVChargingSchedule",
    "NotifyEvent",
    "NotifyMonitoringReport",
    "NotifyReport",
    "PublishFirmwareStatusNotification",
    "ReportChargingProfiles",
    "ReservationStatusUpdate",
    "SecurityEventNotification",
    "SignCertificate",
    "StatusNotification",
    "TransactionEvent",
}
_CS_21 = _CS_201 | {
    "BatterySwap",
    "ClosePeriodicEventStream",
    "GetCertificateChainStatus",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyPeriodicEventStream",
    "NotifyPriorityCharging",
    "NotifySettlement",
    "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate",
    "ReportDERControl",
    "VatNumberValidation",
}
_CS_ACTIONS: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: frozenset(_CS_16),
    OcppVersion.V201: frozenset(_CS_201),
    OcppVersion.V21: frozenset(_CS_21),
}


def sent_by_station(version: OcppVersion, action: str) -> bool:
    return action in _CS_ACTIONS[version]


def sent_by_csms(version: OcppVersion, action: str) -> bool:
    from conformance.ocppj.schemas import actions

    return action in actions(version) and (
        action not in _CS_ACTIONS[version] or action == "DataTransfer"
    )
