"""Payload validation against the official OCPP schemas, with format checking on."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema_rs
import pytest

from conformance.ocppj import (
    Call,
    CallResult,
    OcppVersion,
    ProtocolViolation,
    Send,
    Violation,
    check_call,
    check_result,
    error_codes,
    schemas,
    sent_by_csms,
    sent_by_station,
)
from conformance.ocppj.versions import _CS_ACTIONS

V16 = OcppVersion.V16
V201 = OcppVersion.V201
V21 = OcppVersion.V21

NOW = "2024-05-01T12:00:00.000Z"
BOOT_201: dict[str, Any] = {
    "reason": "PowerUp",
    "chargingStation": {"model": "M1", "vendorName": "Acme"},
}
BOOT_16: dict[str, Any] = {"chargePointVendor": "Acme", "chargePointModel": "M1"}


def call_violation(version: OcppVersion, action: str, payload: dict[str, Any]) -> ProtocolViolation:
    with pytest.raises(ProtocolViolation) as info:
        check_call(Call("42", action, payload), version)
    pv = info.value
    assert pv.violation is Violation.SCHEMA
    assert pv.unique_id == "42"
    assert pv.action == action
    assert pv.issues
    assert pv.reply_code in error_codes(version)
    return pv


def result_violation(
    version: OcppVersion, action: str, payload: dict[str, Any]
) -> ProtocolViolation:
    with pytest.raises(ProtocolViolation) as info:
        check_result(CallResult("43", payload), action, version)
    pv = info.value
    assert pv.violation is Violation.SCHEMA
    assert pv.unique_id == "43"
    assert pv.action == action
    assert pv.reply_code is None  # a CALLRESULT is never answered
    assert pv.issues
    return pv


def paths(pv: ProtocolViolation) -> list[str]:
    return [issue.path for issue in pv.issues]


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [V16, V201, V21])
def test_date_time_format_is_checked(version: OcppVersion) -> None:
    pv = result_violation(version, "Heartbeat", {"currentTime": "yesterday"})
    assert paths(pv) == ["$.currentTime"]
    assert pv.issues[0].keyword == "Format"
    assert "$.currentTime" in pv.detail
    assert "yesterday" in str(pv.issues[0])
    check_result(CallResult("43", {"currentTime": NOW}), "Heartbeat", version)


# --- the reply code each schema keyword maps to -------------------------------------------------


def test_missing_required_201() -> None:
    pv = call_violation(V201, "BootNotification", {"reason": "PowerUp"})
    assert pv.reply_code == "OccurrenceConstraintViolation"
    assert pv.issues[0].keyword == "Required"
    assert "chargingStation" in pv.issues[0].message


def test_missing_required_16_uses_the_spec_spelling() -> None:
    pv = call_violation(V16, "BootNotification", {"chargePointModel": "M1"})
    assert pv.reply_code == "OccurenceConstraintViolation"  # sic, OCPP-J 1.6
    assert "chargePointVendor" in pv.issues[0].message


def test_missing_required_nested_201() -> None:
    pv = call_violation(V201, "BootNotification", {"reason": "PowerUp", "chargingStation": {}})
    assert pv.reply_code == "OccurrenceConstraintViolation"
    assert set(paths(pv)) == {"$.chargingStation"}


def test_wrong_type_nested_201() -> None:
    payload = copy.deepcopy(BOOT_201)
    payload["chargingStation"]["model"] = 7
    pv = call_violation(V201, "BootNotification", payload)
    assert pv.reply_code == "TypeConstraintViolation"
    assert paths(pv) == ["$.chargingStation.model"]


def test_wrong_type_16() -> None:
    pv = call_violation(
        V16,
        "StatusNotification",
        {"connectorId": "1", "errorCode": "NoError", "status": "Available"},
    )
    assert pv.reply_code == "TypeConstraintViolation"
    assert paths(pv) == ["$.connectorId"]


def test_additional_property_201() -> None:
    pv = call_violation(V201, "Heartbeat", {"extra": 1})
    assert pv.reply_code == "FormatViolation"
    assert pv.issues[0].keyword == "AdditionalProperties"


def test_additional_property_nested_201() -> None:
    payload = copy.deepcopy(BOOT_201)
    payload["chargingStation"]["colour"] = "red"
    pv = call_violation(V201, "BootNotification", payload)
    assert pv.reply_code == "FormatViolation"
    assert paths(pv) == ["$.chargingStation"]


def test_additional_property_16() -> None:
    pv = call_violation(V16, "BootNotification", {**BOOT_16, "colour": "red"})
    assert pv.reply_code == "FormationViolation"


def test_additional_property_21() -> None:
    assert call_violation(V21, "Heartbeat", {"x": None}).reply_code == "FormatViolation"


def test_enum_201() -> None:
    pv = call_violation(V201, "BootNotification", {**BOOT_201, "reason": "Bored"})
    assert pv.reply_code == "PropertyConstraintViolation"
    assert paths(pv) == ["$.reason"]
    assert pv.issues[0].keyword == "Enum"


def test_enum_16() -> None:
    pv = call_violation(
        V16, "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Sleepy"}
    )
    assert pv.reply_code == "PropertyConstraintViolation"
    assert paths(pv) == ["$.status"]


def test_max_length_201() -> None:
    payload = copy.deepcopy(BOOT_201)
    payload["chargingStation"]["vendorName"] = "v" * 51
    pv = call_violation(V201, "BootNotification", payload)
    assert pv.reply_code == "PropertyConstraintViolation"
    assert paths(pv) == ["$.chargingStation.vendorName"]
    assert pv.issues[0].keyword == "MaxLength"
    payload["chargingStation"]["vendorName"] = "v" * 50
    check_call(Call("1", "BootNotification", payload), V201)


def test_max_length_16() -> None:
    pv = call_violation(V16, "BootNotification", {**BOOT_16, "chargePointVendor": "v" * 21})
    assert pv.reply_code == "PropertyConstraintViolation"
    assert paths(pv) == ["$.chargePointVendor"]
    check_call(Call("1", "BootNotification", {**BOOT_16, "chargePointVendor": "v" * 20}), V16)


def test_several_issues_are_all_reported() -> None:
    payload = {"reason": "Bored", "chargingStation": {"model": 1}, "extra": True}
    pv = call_violation(V201, "BootNotification", payload)
    assert set(paths(pv)) >= {"$.reason", "$.chargingStation.model", "$.chargingStation", "$"}
    for path in ("$.reason", "$.chargingStation.model"):
        assert path in pv.detail


# --- a realistic TransactionEvent, and array paths ----------------------------------------------


def sampled(value: float, measurand: str, unit: str, phase: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "value": value,
        "context": "Sample.Periodic",
        "measurand": measurand,
        "location": "Outlet",
        "unitOfMeasure": {"unit": unit, "multiplier": 0},
    }
    if phase is not None:
        out["phase"] = phase
    return out


def transaction_event() -> dict[str, Any]:
    return {
        "eventType": "Updated",
        "timestamp": NOW,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 17,
        "offline": False,
        "numberOfPhasesUsed": 3,
        "cableMaxCurrent": 32,
        "reservationId": 5,
        "transactionInfo": {
            "transactionId": "c0ffee00-1234-4abc-9def-000000000001",
            "chargingState": "Charging",
            "timeSpentCharging": 3600,
            "remoteStartId": 99,
        },
        "idToken": {
            "idToken": "04A1B2C3D4E5F6",
            "type": "ISO14443",
            "additionalInfo": [{"additionalIdToken": "contract-1", "type": "ContractId"}],
        },
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [
            {
                "timestamp": NOW,
                "sampledValue": [
                    sampled(123456.7, "Energy.Active.Import.Register", "Wh"),
                    sampled(11000.0, "Power.Active.Import", "W"),
                    *(sampled(16.1, "Current.Import", "A", p) for p in ("L1", "L2", "L3")),
                    *(sampled(230.2, "Voltage", "V", p) for p in ("L1-N", "L2-N", "L3-N")),
                    {
                        "value": 123456.7,
                        "signedMeterValue": {
                            "signedMeterData": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=" * 4,
                            "signingMethod": "ECDSA-secp256r1-SHA256",
                            "encodingMethod": "OCMF",
                            "publicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
                        },
                    },
                ],
            },
            {"timestamp": NOW, "sampledValue": [{"value": 0}]},
        ],
        "customData": {"vendorId": "org.example", "anything": {"goes": [1, 2, 3]}},
    }


@pytest.mark.parametrize("version", [V201, V21])
def test_realistic_transaction_event_is_valid(version: OcppVersion) -> None:
    payload = transaction_event()
    assert 1500 <= len(json.dumps(payload)) <= 3000
    assert schemas.validate(version, "TransactionEvent", "request", payload) == []
    check_call(Call("1", "TransactionEvent", payload), version)


def test_array_index_paths() -> None:
    payload = transaction_event()
    payload["meterValue"][0]["sampledValue"][2]["value"] = "16.1"
    payload["meterValue"][1]["timestamp"] = "2024-13-45T99:00:00Z"
    pv = call_violation(V201, "TransactionEvent", payload)
    assert set(paths(pv)) == {
        "$.meterValue[0].sampledValue[2].value",
        "$.meterValue[1].timestamp",
    }


def test_min_items_is_occurrence() -> None:
    payload = transaction_event()
    payload["meterValue"] = []
    pv = call_violation(V201, "TransactionEvent", payload)
    assert pv.reply_code == "OccurrenceConstraintViolation"
    assert paths(pv) == ["$.meterValue"]


def test_deeply_nested_invalid_payload_is_a_schema_violation() -> None:
    nested: Any = 0
    for _ in range(400):
        nested = [nested]
    pv = call_violation(V201, "Heartbeat", {"deep": nested})
    assert pv.reply_code == "FormatViolation"
    assert pv.issues[0].keyword == schemas.NESTING
    assert call_violation(V16, "Heartbeat", {"deep": nested}).reply_code == "FormationViolation"
    pv = result_violation(V201, "DataTransfer", {"status": "Accepted", "extra": nested})
    assert pv.issues[0].keyword == schemas.NESTING
    # but a deep value where the schema allows anything is fine
    check_call(Call("1", "DataTransfer", {"vendorId": "v", "data": nested}), V201)


# --- check_call / check_result ------------------------------------------------------------------


def test_known_but_unsupported_action_is_not_supported() -> None:
    call = Call("9", "Reset", {"type": "Immediate"})
    with pytest.raises(ProtocolViolation) as info:
        check_call(call, V201, supported={"Heartbeat", "BootNotification"})
    pv = info.value
    assert pv.violation is Violation.UNSUPPORTED_ACTION
    assert pv.reply_code == "NotSupported"
    assert pv.unique_id == "9"
    assert pv.action == "Reset"
    check_call(call, V201, supported={"Reset"})
    check_call(call, V201)  # no `supported`: everything the version defines


def test_unsupported_checked_before_schema() -> None:
    with pytest.raises(ProtocolViolation) as info:
        check_call(Call("9", "Reset", {"bogus": 1}), V16, supported=())
    assert info.value.violation is Violation.UNSUPPORTED_ACTION
    assert info.value.reply_code == "NotSupported"


def test_send_is_never_answered() -> None:
    send = Send("5", "NotifyPeriodicEventStream", {"bogus": 1})
    with pytest.raises(ProtocolViolation) as info:
        check_call(send, V21)
    assert info.value.violation is Violation.SCHEMA
    assert info.value.reply_code is None
    with pytest.raises(ProtocolViolation) as info:
        check_call(send, V21, supported=())
    assert info.value.violation is Violation.UNSUPPORTED_ACTION
    assert info.value.reply_code is None
    stream = {"id": 1, "pending": 0, "basetime": NOW, "data": [{"t": 0.5, "v": "1"}]}
    check_call(Send("5", "NotifyPeriodicEventStream", stream), V21)


@pytest.mark.parametrize(
    ("version", "action", "payload"),
    [
        (V16, "BootNotification", {"status": "Accepted", "currentTime": NOW, "interval": 300}),
        (V201, "BootNotification", {"status": "Accepted", "currentTime": NOW, "interval": 300}),
        (V21, "Authorize", {"idTokenInfo": {"status": "Accepted"}}),
        (V16, "StartTransaction", {"idTagInfo": {"status": "Accepted"}, "transactionId": 1}),
        (V201, "TransactionEvent", {}),
    ],
)
def test_check_result_accepts_valid_responses(
    version: OcppVersion, action: str, payload: dict[str, Any]
) -> None:
    check_result(CallResult("1", payload), action, version)


def test_check_result_rejects_invalid_responses() -> None:
    pv = result_violation(V201, "BootNotification", {"status": "Maybe", "currentTime": NOW})
    assert set(paths(pv)) == {"$.status", "$"}  # bad enum, and interval missing
    pv = result_violation(V16, "StartTransaction", {"idTagInfo": {"status": "Accepted"}})
    assert "transactionId" in pv.detail


def test_check_result_validates_against_the_response_schema() -> None:
    # a valid *request* is no valid response
    result_violation(V201, "BootNotification", BOOT_201)


# --- every schema of every version loads -------------------------------------------------------

SECURITY_16 = {
    "CertificateSigned",
    "DeleteCertificate",
    "ExtendedTriggerMessage",
    "GetInstalledCertificateIds",
    "GetLog",
    "InstallCertificate",
    "LogStatusNotification",
    "SecurityEventNotification",
    "SignCertificate",
    "SignedFirmwareStatusNotification",
    "SignedUpdateFirmware",
}
ALL_ACTIONS = [(v, a) for v in OcppVersion for a in sorted(schemas.actions(v))]


@pytest.mark.parametrize(
    ("version", "action"), ALL_ACTIONS, ids=[f"{v}-{a}" for v, a in ALL_ACTIONS]
)
def test_every_schema_compiles(version: OcppVersion, action: str) -> None:
    # 1.6 core schemas declare draft-04; the 1.6 security whitepaper's and all of 2.x draft-06.
    draft4 = version is V16 and action not in SECURITY_16
    draft = jsonschema_rs.Draft4Validator if draft4 else jsonschema_rs.Draft6Validator
    request = schemas.validator(version, action, "request")
    assert isinstance(request, draft)
    if version is V21 and action == "NotifyPeriodicEventStream":
        # a SEND: it has a request schema and no response, so there is nothing to validate
        with pytest.raises(KeyError):
            schemas.validator(version, action, "response")
        return
    response = schemas.validator(version, action, "response")
    assert isinstance(response, draft)
    assert response is not request
    # The right files: no request schema of the version accepts a stray property, and a
    # response schema is not the request schema (they differ for every action).
    assert not request.is_valid({"noSuchField": 1})
    assert not response.is_valid({"noSuchField": 1})


def test_action_counts() -> None:
    assert len(schemas.actions(V16)) == 39
    assert schemas.actions(V16) > SECURITY_16  # 28 core + the 11 of the security whitepaper
    assert len(schemas.actions(V201)) == 64
    assert len(schemas.actions(V21)) == 91
    assert schemas.actions(V201) < schemas.actions(V21)
    assert "TransactionEvent" not in schemas.actions(V16)
    assert "StartTransaction" not in schemas.actions(V201)


def test_unknown_schema_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        schemas.validator(V16, "TransactionEvent", "request")
    with pytest.raises(KeyError):
        schemas.validator(V201, "FooBar", "response")


@pytest.mark.parametrize("version", list(OcppVersion))
def test_every_action_has_a_direction(version: OcppVersion) -> None:
    for action in schemas.actions(version):
        assert sent_by_station(version, action) or sent_by_csms(version, action), action
        both = sent_by_station(version, action) and sent_by_csms(version, action)
        assert both == (action == "DataTransfer"), action
    # and the station's list names only actions that exist (2.1 had a stray one)
    assert _CS_ACTIONS[version] <= schemas.actions(version)
    assert not sent_by_station(version, "NotifyQRCodeScanned")
