"""The 1.6 reference charge point's configuration keys (OCPP 1.6 section 9: Core, Local Auth
List Management and Reservation profiles).

Each key has a type (bool, int, comma-separated list of measurands, free text), an
accessibility (read-only or read-write) and whether a change only takes effect after a reboot.
ChangeConfiguration answers follow section 5.3: unknown key -> NotSupported, read-only key or
badly formatted value -> Rejected, reboot-bound key -> RebootRequired, else Accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Measurands the reference meter can deliver (section 7.31 names).
MEASURANDS = frozenset(
    {"Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage"}
)


@dataclass
class Key:
    name: str
    kind: str  # bool | int | measurands | text
    value: str
    readonly: bool = False
    reboot: bool = False  # RebootRequired: the new value applies after the next boot


def _keys(connectors: int) -> list[Key]:
    return [
        Key("AllowOfflineTxForUnknownId", "bool", "false"),
        Key("AuthorizationCacheEnabled", "bool", "true"),
        Key("AuthorizeRemoteTxRequests", "bool", "true"),
        Key("ClockAlignedDataInterval", "int", "0"),
        Key("ConnectionTimeOut", "int", "60"),
        Key("ConnectorPhaseRotation", "text", "NotApplicable"),
        Key("GetConfigurationMaxKeys", "int", "50", readonly=True),
        Key("HeartbeatInterval", "int", "60"),
        Key("LocalAuthListEnabled", "bool", "true"),
        Key("LocalAuthListMaxLength", "int", "100", readonly=True),
        Key("LocalAuthorizeOffline", "bool", "true"),
        Key("LocalPreAuthorize", "bool", "false"),
        Key("MeterValuesAlignedData", "measurands", "Energy.Active.Import.Register"),
        Key("MeterValuesSampledData", "measurands", "Energy.Active.Import.Register"),
        Key("MeterValueSampleInterval", "int", "60"),
        Key("MinimumStatusDuration", "int", "0"),
        Key("NumberOfConnectors", "int", str(connectors), readonly=True),
        Key("ReserveConnectorZeroSupported", "bool", "true", readonly=True),
        Key("ResetRetries", "int", "1"),
        Key("SendLocalListMaxLength", "int", "20", readonly=True),
        Key("StopTransactionOnEVSideDisconnect", "bool", "true"),
        Key("StopTransactionOnInvalidId", "bool", "true"),
        Key("StopTxnAlignedData", "measurands", ""),
        Key("StopTxnSampledData", "measurands", ""),
        Key(
            "SupportedFeatureProfiles",
            "text",
            "Core,FirmwareManagement,LocalAuthListManagement,RemoteTrigger,Reservation",
            readonly=True,
        ),
        Key("SupportedFileTransferProtocols", "text", "HTTP", readonly=True),
        Key("TransactionMessageAttempts", "int", "3"),
        Key("TransactionMessageRetryInterval", "int", "5"),
        Key("UnlockConnectorOnEVSideDisconnect", "bool", "true"),
        Key("WebSocketPingInterval", "int", "0", reboot=True),
    ]


def valid_value(kind: str, value: str) -> bool:
    if kind == "bool":
        return value.lower() in ("true", "false")
    if kind == "int":
        return value.isdigit() and len(value) <= 9
    if kind == "measurands":
        items = [v.strip() for v in value.split(",")] if value else []
        return all(v in MEASURANDS for v in items)
    return True


class Configuration:
    """The charge point's configuration keys, by name."""

    def __init__(self, connectors: int) -> None:
        self.keys: dict[str, Key] = {k.name: k for k in _keys(connectors)}

    def get(self, name: str) -> str:
        return self.keys[name].value

    def flag(self, name: str) -> bool:
        return self.keys[name].value.lower() == "true"

    def int(self, name: str) -> int:
        return int(self.keys[name].value or 0)

    def measurands(self, name: str) -> list[str]:
        value = self.keys[name].value
        return [v.strip() for v in value.split(",") if v.strip()]

    def set(self, name: str, value: str) -> None:
        self.keys[name].value = value

    def report(self, names: list[str] | None) -> dict[str, Any]:
        """GetConfiguration.conf: every key, or the asked ones plus the unknown ones."""
        wanted = names if names else list(self.keys)
        known = [
            {"key": k.name, "readonly": k.readonly, "value": k.value}
            for n in wanted
            if (k := self.keys.get(n)) is not None
        ]
        unknown = [n for n in wanted if n not in self.keys]
        out: dict[str, Any] = {"configurationKey": known}
        if unknown:
            out["unknownKey"] = unknown
        return out

    def change(self, name: str, value: str) -> str:
        """ChangeConfiguration: the status to answer (and the value set when Accepted)."""
        key = self.keys.get(name)
        if key is None:
            return "NotSupported"
        if key.readonly:
            return "Rejected"
        if not valid_value(key.kind, value):
            return "Rejected"
        key.value = value.lower() if key.kind == "bool" else value
        return "RebootRequired" if key.reboot else "Accepted"
