"""Smart Charging verbs of the reference 1.6 Central System (OCPP 1.6 sections 3.13, 5.5,
5.7, 5.11, 5.16; Smart Charging profile).

The operator sets a charging profile (SetChargingProfile: a ChargePointMaxProfile on
connectorId 0, a TxDefaultProfile, or a TxProfile for a running transaction), starts a
transaction with a TxProfile (RemoteStartTransaction.chargingProfile), clears profiles
(ClearChargingProfile by id, by criteria, or all) and asks for a composite schedule
(GetCompositeSchedule). Profiles are Absolute, valid from now for a day, with one period of
the given limit from startPeriod 0; each gets a chargingProfileId of its own.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conformance.sim.control import VerbError
from conformance.sim.faults import declarer

if TYPE_CHECKING:
    from conformance.sim.csms16_state import Csms16State
    from conformance.sim.faults import ActiveFaults
    from conformance.sim.options import CsmsOptions

_fault = declarer("csms", ("1.6",))

_fault(
    "c16-txdefault-with-transaction-id",
    "a TxDefaultProfile is sent with a transactionId (only a TxProfile may carry one)",
    "TC_056_CSMS",
    "TC_067_CSMS",
)
_fault(
    "c16-txprofile-wrong-transaction",
    "a TxProfile names another transactionId than the running transaction's",
    "TC_057_CSMS",
    "TC_067_CSMS",
)
_fault(
    "c16-profile-recurring",
    "charging profiles are sent as Recurring (Daily) instead of Absolute",
    "TC_056_CSMS",
    "TC_057_CSMS",
    "TC_059_CSMS",
)
_fault(
    "c16-remote-start-profile-tx-id",
    "the TxProfile of a RemoteStartTransaction carries a transactionId (there is none yet)",
    "TC_059_CSMS",
)
_fault(
    "c16-composite-wrong-connector",
    "GetCompositeSchedule names another connectorId than the operator asked for",
    "TC_066_CSMS",
)
_fault(
    "c16-clear-by-id-with-criteria",
    "ClearChargingProfile by id also sends the connectorId and purpose of the profile",
    "TC_067_CSMS",
)

PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")


def _iso(when: _dt.datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _int(args: Mapping[str, Any], name: str, default: int | None = None) -> int | None:
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise VerbError(f"{name} must be an integer, not {value!r}") from None


class SmartChargingVerbs:
    """Mixed into ReferenceCsms16: the verb_* methods of the Smart Charging profile."""

    state: Csms16State
    faults: ActiveFaults
    options: CsmsOptions
    _profile_ids = itertools.count(1)

    if TYPE_CHECKING:  # provided by ReferenceCsmsBase

        def _send(self, args: Mapping[str, Any], action: str, payload: dict[str, Any]) -> Any: ...

    def _profile(self, args: Mapping[str, Any], purpose: str) -> dict[str, Any]:
        """A csChargingProfiles: Absolute, valid from now for a day, one period."""
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        unit = str(args.get("charging_rate_unit") or "A")
        if unit not in ("A", "W"):
            raise VerbError(f"charging_rate_unit is A or W, not {unit!r}")
        limit = args.get("limit")
        period: dict[str, Any] = {
            "startPeriod": 0,
            "limit": float(limit) if limit not in (None, "") else (6.0 if unit == "A" else 6000.0),
        }
        phases = _int(args, "number_phases")
        if phases is not None:
            period["numberPhases"] = phases
        profile: dict[str, Any] = {
            "chargingProfileId": next(self._profile_ids),
            "stackLevel": _int(args, "stack_level", 0),
            "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Absolute",
            "validFrom": _iso(now),
            "validTo": _iso(now + _dt.timedelta(days=1)),
            "chargingSchedule": {
                "duration": _int(args, "duration", 3600),
                "startSchedule": _iso(now),
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": [period],
            },
        }
        if self.faults.on("c16-profile-recurring"):
            profile["chargingProfileKind"] = "Recurring"
            profile["recurrencyKind"] = "Daily"
        return profile

    def verb_set_charging_profile(self, args: Mapping[str, Any]) -> Any:
        purpose = str(args.get("purpose") or "TxDefaultProfile")
        if purpose not in PURPOSES:
            raise VerbError(f"purpose is one of {', '.join(PURPOSES)}, not {purpose!r}")
        connector = _int(args, "connector_id")
        if connector is None:
            connector = 0 if purpose == "ChargePointMaxProfile" else 1
        profile = self._profile(args, purpose)
        tx_id = _int(args, "transaction_id")
        if purpose == "TxProfile":
            if tx_id is None:
                rec = self.state.record(str(args.get("station_id")))
                tx = rec.open_transaction(connector)
                if tx is None:
                    raise VerbError(f"no transaction_id given and none open on {connector}")
                tx_id = tx.transaction_id
            if self.faults.on("c16-txprofile-wrong-transaction"):
                tx_id += 1000
            profile["transactionId"] = tx_id
        elif self.faults.on("c16-txdefault-with-transaction-id"):
            rec = self.state.record(str(args.get("station_id")))
            tx = rec.open_transaction()
            profile["transactionId"] = tx.transaction_id if tx is not None else 1
        payload = {"connectorId": connector, "csChargingProfiles": profile}
        return self._send(args, "SetChargingProfile", payload)

    def verb_request_start_transaction_with_profile(self, args: Mapping[str, Any]) -> Any:
        id_tag = str(args.get("id_token") or self.options.valid_tokens[0])
        payload: dict[str, Any] = {"idTag": id_tag}
        connector = _int(args, "connector_id", _int(args, "evse_id"))
        if connector is not None:
            payload["connectorId"] = connector
        profile = self._profile(args, "TxProfile")
        if self.faults.on("c16-remote-start-profile-tx-id"):
            profile["transactionId"] = 1
        payload["chargingProfile"] = profile
        return self._send(args, "RemoteStartTransaction", payload)

    def verb_clear_charging_profile(self, args: Mapping[str, Any]) -> Any:
        payload: dict[str, Any] = {}
        profile_id = _int(args, "charging_profile_id")
        if profile_id is not None:
            payload["id"] = profile_id
            if self.faults.on("c16-clear-by-id-with-criteria"):
                payload["connectorId"] = 0
                payload["chargingProfilePurpose"] = "ChargePointMaxProfile"
        else:
            connector = _int(args, "connector_id")
            if connector is not None:
                payload["connectorId"] = connector
            if args.get("purpose"):
                payload["chargingProfilePurpose"] = str(args["purpose"])
            stack_level = _int(args, "stack_level")
            if stack_level is not None:
                payload["stackLevel"] = stack_level
        return self._send(args, "ClearChargingProfile", payload)

    def verb_get_composite_schedule(self, args: Mapping[str, Any]) -> Any:
        connector = _int(args, "connector_id", 0)
        assert connector is not None
        if self.faults.on("c16-composite-wrong-connector"):
            connector += 1
        payload: dict[str, Any] = {
            "connectorId": connector,
            "duration": _int(args, "duration", 3600),
        }
        if args.get("charging_rate_unit"):
            payload["chargingRateUnit"] = str(args["charging_rate_unit"])
        return self._send(args, "GetCompositeSchedule", payload)


SMART_VERBS = (
    "set_charging_profile",
    "request_start_transaction_with_profile",
    "clear_charging_profile",
    "get_composite_schedule",
)
