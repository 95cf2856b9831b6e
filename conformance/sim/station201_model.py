"""The reference station's device model (OCPP 2.0.1 Part 2, Device Model chapter).

A small but honest device model: the Core controller variables a station needs, each with its
mutability, data type and allowed values, so GetVariables / SetVariables / GetBaseReport
answer with the attributeStatus values the spec prescribes (UnknownComponent, UnknownVariable,
NotSupportedAttributeType, Rejected for read-only or badly formatted values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TX_START_POINTS = (
    "ParkingBayOccupied",
    "EVConnected",
    "Authorized",
    "DataSigned",
    "PowerPathClosed",
    "EnergyTransfer",
)
TX_STOP_POINTS = (
    "ParkingBayOccupied",
    "EVConnected",
    "Authorized",
    "PowerPathClosed",
    "EnergyTransfer",
)
MEASURANDS = (
    "Energy.Active.Import.Register",
    "Power.Active.Import",
    "Current.Import",
    "Voltage",
    "SoC",
)
SUPPORTED_ATTRIBUTES = ("Actual",)


@dataclass
class Variable:
    component: str
    name: str
    value: str
    mutability: str = "ReadWrite"
    data_type: str = "string"
    values_list: tuple[str, ...] = ()
    evse: int | None = None
    connector: int | None = None
    instance: str | None = None
    min_limit: int | None = None
    unit: str | None = None

    def component_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.component}
        if self.evse is not None:
            evse: dict[str, Any] = {"id": self.evse}
            if self.connector is not None:
                evse["connectorId"] = self.connector
            out["evse"] = evse
        return out

    def variable_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.instance is not None:
            out["instance"] = self.instance
        return out

    def check(self, value: str) -> str | None:
        """Why `value` is not valid for this variable, or None when it is."""
        if self.data_type == "integer":
            try:
                number = int(value)
            except ValueError:
                return "not an integer"
            if self.min_limit is not None and number < self.min_limit:
                return f"below the minimum {self.min_limit}"
        elif self.data_type == "decimal":
            try:
                float(value)
            except ValueError:
                return "not a decimal"
        elif self.data_type == "boolean":
            if value not in ("true", "false"):
                return "not a boolean (true / false)"
        elif self.data_type == "OptionList":
            if value not in self.values_list:
                return f"not one of {','.join(self.values_list)}"
        elif self.data_type in ("MemberList", "SequenceList"):
            members = [m.strip() for m in value.split(",")] if value else []
            bad = [m for m in members if m not in self.values_list]
            if bad or (self.data_type == "MemberList" and not members):
                return f"members {bad or members} not in {','.join(self.values_list)}"
        return None

    def report_json(self) -> dict[str, Any]:
        attribute: dict[str, Any] = {"type": "Actual", "mutability": self.mutability}
        if self.mutability != "WriteOnly":
            attribute["value"] = self.value
        # passwordString is an OCPP 2.1 DataEnumType; 2.0.1 reports such a variable as a string.
        data_type = "string" if self.data_type == "passwordString" else self.data_type
        characteristics: dict[str, Any] = {"dataType": data_type, "supportsMonitoring": False}
        if self.values_list:
            characteristics["valuesList"] = ",".join(self.values_list)
        if self.unit:
            characteristics["unit"] = self.unit
        return {
            "component": self.component_json(),
            "variable": self.variable_json(),
            "variableAttribute": [attribute],
            "variableCharacteristics": characteristics,
        }


@dataclass
class Lookup:
    """The result of finding a component/variable pair."""

    status: str  # Accepted, UnknownComponent, UnknownVariable, NotSupportedAttributeType
    variable: Variable | None = None


def _key(component: Mapping[str, Any]) -> tuple[str, int | None, int | None, str | None]:
    evse = component.get("evse") or {}
    return (
        str(component.get("name", "")),
        evse.get("id"),
        evse.get("connectorId"),
        component.get("instance"),
    )


@dataclass
class DeviceModel:
    variables: list[Variable] = field(default_factory=list)

    def add(self, *variables: Variable) -> None:
        self.variables.extend(variables)

    def find(self, component: str, name: str, instance: str | None = None) -> Variable:
        for v in self.variables:
            if (v.component, v.name, v.instance, v.evse) == (component, name, instance, None):
                return v
        raise KeyError(f"{component}.{name}")

    def get(self, component: str, name: str, instance: str | None = None) -> str:
        return self.find(component, name, instance).value

    def get_int(self, component: str, name: str, instance: str | None = None) -> int:
        try:
            return int(self.get(component, name, instance))
        except ValueError:
            return 0

    def get_bool(self, component: str, name: str) -> bool:
        return self.get(component, name) == "true"

    def members(self, component: str, name: str) -> set[str]:
        return {m.strip() for m in self.get(component, name).split(",") if m.strip()}

    def lookup(
        self, component: Mapping[str, Any], variable: Mapping[str, Any], attribute: str | None
    ) -> Lookup:
        name, evse, connector, comp_instance = _key(component)
        in_component = [
            v
            for v in self.variables
            if v.component == name
            and v.evse == evse
            and v.connector == connector
            and comp_instance is None
        ]
        if not in_component:
            return Lookup("UnknownComponent")
        wanted = (str(variable.get("name", "")), variable.get("instance"))
        for v in in_component:
            if (v.name, v.instance) == wanted:
                if (attribute or "Actual") not in SUPPORTED_ATTRIBUTES:
                    return Lookup("NotSupportedAttributeType", v)
                return Lookup("Accepted", v)
        return Lookup("UnknownVariable")

    def configuration(self) -> list[Variable]:
        """What ConfigurationInventory reports: the variables an operator may write."""
        return [v for v in self.variables if v.mutability != "ReadOnly"]


def _var(component: str, name: str, value: str, **kw: Any) -> Variable:
    return Variable(component, name, value, **kw)


def _int(component: str, name: str, value: int, **kw: Any) -> Variable:
    kw.setdefault("min_limit", 0)
    return Variable(component, name, str(value), data_type="integer", **kw)


def _bool(component: str, name: str, value: bool, **kw: Any) -> Variable:
    return Variable(component, name, "true" if value else "false", data_type="boolean", **kw)


def _members(component: str, name: str, value: str, allowed: Iterable[str], **kw: Any) -> Variable:
    return Variable(
        component, name, value, data_type="MemberList", values_list=tuple(allowed), **kw
    )


def build_model(evses: tuple[int, ...], security_profile: int) -> DeviceModel:
    """The Core device model of a station with `evses[i]` connectors on EVSE i+1."""
    m = DeviceModel()
    m.add(
        _int("OCPPCommCtrlr", "HeartbeatInterval", 60, unit="s"),
        _members(
            "OCPPCommCtrlr",
            "FileTransferProtocols",
            "HTTP,HTTPS",
            ("FTP", "FTPS", "HTTP", "HTTPS", "SFTP"),
            mutability="ReadOnly",
        ),
        _int("OCPPCommCtrlr", "MessageTimeout", 30, instance="Default", min_limit=1, unit="s"),
        _int("OCPPCommCtrlr", "MessageAttempts", 3, instance="TransactionEvent"),
        _int("OCPPCommCtrlr", "MessageAttemptInterval", 1, instance="TransactionEvent"),
        Variable(
            "OCPPCommCtrlr",
            "NetworkConfigurationPriority",
            "0",
            data_type="SequenceList",
            values_list=("0", "1", "2"),
        ),
        _int("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", 3),
        _int("OCPPCommCtrlr", "OfflineThreshold", 60),
        _int("OCPPCommCtrlr", "ResetRetries", 2),
        # 0: the simulator's own short back-off (a fraction of a second) before reconnecting.
        _int("OCPPCommCtrlr", "RetryBackOffWaitMinimum", 0, unit="s"),
        _int("OCPPCommCtrlr", "RetryBackOffRandomRange", 0, unit="s"),
        _int("OCPPCommCtrlr", "RetryBackOffRepeatTimes", 3),
        _bool("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", True),
        _int("OCPPCommCtrlr", "WebSocketPingInterval", 0),
        _int("TxCtrlr", "EVConnectionTimeOut", 30, unit="s"),
        _bool("TxCtrlr", "StopTxOnEVSideDisconnect", True),
        _bool("TxCtrlr", "StopTxOnInvalidId", True),
        _int("TxCtrlr", "MaxEnergyOnInvalidId", 0, unit="Wh"),  # 0: none after a refusal
        _bool("TxCtrlr", "TxBeforeAcceptedEnabled", False),
        _members("TxCtrlr", "TxStartPoint", "PowerPathClosed", TX_START_POINTS),
        _members("TxCtrlr", "TxStopPoint", "PowerPathClosed", TX_STOP_POINTS),
        _members(
            "SampledDataCtrlr", "TxStartedMeasurands", "Energy.Active.Import.Register", MEASURANDS
        ),
        _members(
            "SampledDataCtrlr", "TxUpdatedMeasurands", "Energy.Active.Import.Register", MEASURANDS
        ),
        _int("SampledDataCtrlr", "TxUpdatedInterval", 0, unit="s"),
        _bool("SampledDataCtrlr", "SignReadings", False),
        _members(
            "SampledDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register", MEASURANDS
        ),
        _int("SampledDataCtrlr", "TxEndedInterval", 0, unit="s"),
        _members("AlignedDataCtrlr", "Measurands", "Energy.Active.Import.Register", MEASURANDS),
        _int("AlignedDataCtrlr", "Interval", 0, unit="s"),
        _members(
            "AlignedDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register", MEASURANDS
        ),
        _int("AlignedDataCtrlr", "TxEndedInterval", 0, unit="s"),
        _bool("AlignedDataCtrlr", "SendDuringIdle", False),
        _bool("AlignedDataCtrlr", "SignReadings", False),
        _bool("AuthCtrlr", "Enabled", True),
        _bool("AuthCtrlr", "AuthorizeRemoteStart", True),
        _bool("AuthCtrlr", "LocalAuthorizeOffline", True),
        _bool("AuthCtrlr", "LocalPreAuthorize", False),
        _bool("AuthCtrlr", "DisableRemoteAuthorization", False),
        _bool("AuthCtrlr", "OfflineTxForUnknownIdEnabled", False),
        # C16: idTokens of this group may stop any transaction but start none ("": no group).
        _var("AuthCtrlr", "MasterPassGroupId", ""),
        _bool("AuthCacheCtrlr", "Enabled", True),
        _bool("AuthCacheCtrlr", "DisablePostAuthorize", False),
        _int("AuthCacheCtrlr", "LifeTime", 86400, unit="s"),  # C10.FR.08
        _int("DeviceDataCtrlr", "ItemsPerMessage", 16, instance="GetReport", mutability="ReadOnly"),
        _int(
            "DeviceDataCtrlr", "ItemsPerMessage", 16, instance="GetVariables", mutability="ReadOnly"
        ),
        _int(
            "DeviceDataCtrlr", "ItemsPerMessage", 16, instance="SetVariables", mutability="ReadOnly"
        ),
        _int(
            "DeviceDataCtrlr", "BytesPerMessage", 65000, instance="GetReport", mutability="ReadOnly"
        ),
        _int(
            "DeviceDataCtrlr",
            "BytesPerMessage",
            65000,
            instance="GetVariables",
            mutability="ReadOnly",
        ),
        _int(
            "DeviceDataCtrlr",
            "BytesPerMessage",
            65000,
            instance="SetVariables",
            mutability="ReadOnly",
        ),
        Variable("ClockCtrlr", "DateTime", "", data_type="dateTime", mutability="ReadOnly"),
        Variable(
            "ClockCtrlr",
            "TimeSource",
            "Heartbeat",
            data_type="SequenceList",
            values_list=("Heartbeat", "NTP", "GPS", "RealTimeClock", "MobileNetwork"),
        ),
        _int("SecurityCtrlr", "SecurityProfile", security_profile, mutability="ReadOnly"),
        _var("SecurityCtrlr", "OrganizationName", "ocpp-conformance"),
        # How many certificates the station's store holds (kept by station201_certificates).
        _int("SecurityCtrlr", "CertificateEntries", 0, mutability="ReadOnly"),
        Variable(
            "ChargingStation",
            "AvailabilityState",
            "Available",
            data_type="OptionList",
            values_list=("Available", "Occupied", "Reserved", "Unavailable", "Faulted"),
            mutability="ReadOnly",
        ),
        _bool("ChargingStation", "Available", True, mutability="ReadOnly"),
        _int("ChargingStation", "SupplyPhases", 3, mutability="ReadOnly"),
    )
    for evse_id, connectors in enumerate(evses, start=1):
        m.add(
            Variable(
                "EVSE",
                "AvailabilityState",
                "Available",
                data_type="OptionList",
                values_list=("Available", "Occupied", "Reserved", "Unavailable", "Faulted"),
                evse=evse_id,
                mutability="ReadOnly",
            ),
            _bool("EVSE", "Available", True, evse=evse_id, mutability="ReadOnly"),
            Variable(
                "EVSE",
                "Power",
                "22000",
                data_type="decimal",
                evse=evse_id,
                unit="W",
                mutability="ReadOnly",
            ),
            _int("EVSE", "SupplyPhases", 3, evse=evse_id, mutability="ReadOnly"),
        )
        for connector_id in range(1, connectors + 1):
            m.add(
                Variable(
                    "Connector",
                    "AvailabilityState",
                    "Available",
                    data_type="OptionList",
                    values_list=("Available", "Occupied", "Reserved", "Unavailable", "Faulted"),
                    evse=evse_id,
                    connector=connector_id,
                    mutability="ReadOnly",
                ),
                _bool(
                    "Connector",
                    "Available",
                    True,
                    evse=evse_id,
                    connector=connector_id,
                    mutability="ReadOnly",
                ),
                _var(
                    "Connector",
                    "ConnectorType",
                    "cType2",
                    evse=evse_id,
                    connector=connector_id,
                    mutability="ReadOnly",
                ),
                _int(
                    "Connector",
                    "SupplyPhases",
                    3,
                    evse=evse_id,
                    connector=connector_id,
                    mutability="ReadOnly",
                ),
            )
    return m
