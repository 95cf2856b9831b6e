"""The OCPP-J frame codec: which broken frames are rejected, how, and what the answer is.

Each bad frame states the violation, the CallError code the receiver owes (None: the frame
must not be answered, as a broken CALLRESULT / CALLERROR never is) and the message id the
answer carries ("-1" when the id cannot be read: OCPP 2.0.1 Part 4 section 4.2.3).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.ocppj import (
    Call,
    CallError,
    CallResult,
    Frame,
    MessageType,
    OcppVersion,
    ProtocolViolation,
    Send,
    Violation,
    decode,
    error_codes,
    serialize,
)

V16 = OcppVersion.V16
V201 = OcppVersion.V201
V21 = OcppVersion.V21

ID36 = "0123456789abcdef0123456789abcdef-36c"
ID37 = ID36 + "x"
assert len(ID36) == 36


def bad(
    name: str,
    version: OcppVersion,
    raw: str | bytes,
    violation: Violation,
    reply_code: str | None,
    unique_id: str | None,
) -> Any:
    return pytest.param(version, raw, violation, reply_code, unique_id, id=f"{version}-{name}")


BAD_FRAMES = [
    # --- not JSON at all -------------------------------------------------------------------
    bad("invalid-json", V16, '[2, "1", "Heartbeat", {]', Violation.INVALID_JSON,
        "FormationViolation", "-1"),
    bad("invalid-json", V201, "{not json", Violation.INVALID_JSON, "RpcFrameworkError", "-1"),
    bad("invalid-json", V21, "[2,'1','Heartbeat',{}]", Violation.INVALID_JSON,
        "RpcFrameworkError", "-1"),
    bad("empty-text", V201, "", Violation.INVALID_JSON, "RpcFrameworkError", "-1"),
    bad("truncated", V16, '[2,"1","Heartbeat",{"a":', Violation.INVALID_JSON,
        "FormationViolation", "-1"),
    bad("truncated", V201, '[2,"19223201","BootNotif', Violation.INVALID_JSON,
        "RpcFrameworkError", "-1"),
    bad("truncated-after-array", V201, '[2,"1","Heartbeat",{}', Violation.INVALID_JSON,
        "RpcFrameworkError", "-1"),
    bad("trailing-garbage", V16, '[2,"1","Heartbeat",{}]]', Violation.INVALID_JSON,
        "FormationViolation", "-1"),
    bad("not-utf8", V16, b'[2,"1","DataTransfer",{"vendorId":"\xff"}]', Violation.INVALID_JSON,
        "FormationViolation", "-1"),
    bad("not-utf8", V201, b'[2,"1","Heartbeat",{}]\xc3', Violation.INVALID_JSON,
        "RpcFrameworkError", "-1"),
    bad("NaN", V201, '[2,"1","Heartbeat",{"x":NaN}]', Violation.INVALID_JSON,
        "RpcFrameworkError", "-1"),
    bad("Infinity", V16, '[2,"1","Heartbeat",{"x":-Infinity}]', Violation.INVALID_JSON,
        "FormationViolation", "-1"),
    bad("number-out-of-range", V201, '[2,"1","Heartbeat",{"x":1e400}]', Violation.INVALID_JSON,
        "RpcFrameworkError", "-1"),
    bad("lone-surrogate-in-payload", V201, '[2,"7","DataTransfer",{"vendorId":"\\ud800"}]',
        Violation.INVALID_JSON, "RpcFrameworkError", "7"),
    bad("lone-surrogate-in-key", V16, '[2,"7","DataTransfer",{"\\udfff":1}]',
        Violation.INVALID_JSON, "FormationViolation", "7"),
    bad("lone-surrogate-in-result", V201, '[3,"7",{"x":["\\udc00"]}]', Violation.INVALID_JSON,
        None, "7"),
    bad("lone-surrogate-in-id", V16, '[2,"\\ud800","Heartbeat",{}]', Violation.BAD_UNIQUE_ID,
        "ProtocolError", "-1"),
    # --- JSON, but not an array --------------------------------------------------------------
    bad("object", V16, '{"messageTypeId":2}', Violation.NOT_AN_ARRAY, "FormationViolation", "-1"),
    bad("object", V201, "{}", Violation.NOT_AN_ARRAY, "RpcFrameworkError", "-1"),
    bad("string", V16, '"[2,\\"1\\",\\"Heartbeat\\",{}]"', Violation.NOT_AN_ARRAY,
        "FormationViolation", "-1"),
    bad("string", V201, '"hello"', Violation.NOT_AN_ARRAY, "RpcFrameworkError", "-1"),
    bad("number", V16, "2", Violation.NOT_AN_ARRAY, "FormationViolation", "-1"),
    bad("number", V201, "3.5", Violation.NOT_AN_ARRAY, "RpcFrameworkError", "-1"),
    bad("null", V16, "null", Violation.NOT_AN_ARRAY, "FormationViolation", "-1"),
    bad("null", V201, " null ", Violation.NOT_AN_ARRAY, "RpcFrameworkError", "-1"),
    bad("true", V21, "true", Violation.NOT_AN_ARRAY, "RpcFrameworkError", "-1"),
    bad("empty-array", V16, "[]", Violation.EMPTY_ARRAY, "FormationViolation", "-1"),
    bad("empty-array", V201, " [ ] ", Violation.EMPTY_ARRAY, "RpcFrameworkError", "-1"),
    # --- message type id ---------------------------------------------------------------------
    bad("type-string", V16, '["2","1","Heartbeat",{}]', Violation.BAD_MESSAGE_TYPE,
        "FormationViolation", "1"),
    bad("type-string", V201, '["2","1","Heartbeat",{}]', Violation.BAD_MESSAGE_TYPE,
        "RpcFrameworkError", "1"),
    bad("type-float", V16, '[2.0,"1","Heartbeat",{}]', Violation.BAD_MESSAGE_TYPE,
        "FormationViolation", "1"),
    bad("type-float", V201, '[2.0,"1","Heartbeat",{}]', Violation.BAD_MESSAGE_TYPE,
        "RpcFrameworkError", "1"),
    bad("type-bool", V16, '[true,"1","Heartbeat",{}]', Violation.BAD_MESSAGE_TYPE,
        "FormationViolation", "1"),
    bad("type-bool", V201, '[false,"1",{}]', Violation.BAD_MESSAGE_TYPE, "RpcFrameworkError",
        "1"),
    bad("type-null", V16, '[null,"1","Heartbeat",{}]', Violation.BAD_MESSAGE_TYPE,
        "FormationViolation", "1"),
    bad("type-null", V201, '[null,"1","Heartbeat",{}]', Violation.BAD_MESSAGE_TYPE,
        "RpcFrameworkError", "1"),
    bad("type-null-id-unreadable", V201, "[null,1]", Violation.BAD_MESSAGE_TYPE,
        "RpcFrameworkError", "-1"),
    bad("type-only", V201, "[2]", Violation.WRONG_ARITY, "RpcFrameworkError", "-1"),
    bad("type-7", V16, '[7,"1","Heartbeat",{}]', Violation.UNKNOWN_MESSAGE_TYPE,
        "FormationViolation", "1"),
    bad("type-7", V201, '[7,"1","Heartbeat",{}]', Violation.UNKNOWN_MESSAGE_TYPE,
        "MessageTypeNotSupported", "1"),
    bad("type-7", V21, '[7,"1","Heartbeat",{}]', Violation.UNKNOWN_MESSAGE_TYPE,
        "MessageTypeNotSupported", "1"),
    bad("type-0", V16, '[0,"1"]', Violation.UNKNOWN_MESSAGE_TYPE, "FormationViolation", "1"),
    bad("type-0", V201, '[0,"1","Heartbeat",{}]', Violation.UNKNOWN_MESSAGE_TYPE,
        "MessageTypeNotSupported", "1"),
    bad("type-minus-1", V16, '[-1,"1","Heartbeat",{}]', Violation.UNKNOWN_MESSAGE_TYPE,
        "FormationViolation", "1"),
    bad("type-minus-1", V201, '[-1,"1","Heartbeat",{}]', Violation.UNKNOWN_MESSAGE_TYPE,
        "MessageTypeNotSupported", "1"),
    bad("type-huge", V201, f'[{10**30},"1",{{}}]', Violation.UNKNOWN_MESSAGE_TYPE,
        "MessageTypeNotSupported", "1"),
    bad("type-5-not-in-1.6", V16, '[5,"1","GenericError","",{}]', Violation.NOT_IN_VERSION,
        "FormationViolation", "1"),
    bad("type-5-not-in-2.0.1", V201, '[5,"1","GenericError","",{}]', Violation.NOT_IN_VERSION,
        "MessageTypeNotSupported", "1"),
    bad("type-6-not-in-1.6", V16, '[6,"1","Heartbeat",{}]', Violation.NOT_IN_VERSION,
        "FormationViolation", "1"),
    bad("type-6-not-in-2.0.1", V201, '[6,"1","Heartbeat",{}]', Violation.NOT_IN_VERSION,
        "MessageTypeNotSupported", "1"),
    # --- arity -------------------------------------------------------------------------------
    bad("call-3", V16, '[2,"1","Heartbeat"]', Violation.WRONG_ARITY, "ProtocolError", "1"),
    bad("call-3", V201, '[2,"1","Heartbeat"]', Violation.WRONG_ARITY, "RpcFrameworkError", "1"),
    bad("call-5", V16, '[2,"1","Heartbeat",{},{}]', Violation.WRONG_ARITY, "ProtocolError", "1"),
    bad("call-5", V201, '[2,"1","Heartbeat",{},{}]', Violation.WRONG_ARITY,
        "RpcFrameworkError", "1"),
    bad("call-3-bad-id", V201, '[2,"","Heartbeat"]', Violation.WRONG_ARITY,
        "RpcFrameworkError", "-1"),
    bad("callresult-2", V16, '[3,"1"]', Violation.WRONG_ARITY, None, "1"),
    bad("callresult-2", V201, '[3,"1"]', Violation.WRONG_ARITY, None, "1"),
    bad("callresult-4", V16, '[3,"1",{},{}]', Violation.WRONG_ARITY, None, "1"),
    bad("callresult-4", V201, '[3,"1",{},{}]', Violation.WRONG_ARITY, None, "1"),
    bad("callresult-2-bad-id", V201, "[3,1]", Violation.WRONG_ARITY, None, None),
    bad("callerror-4", V16, '[4,"1","GenericError",""]', Violation.WRONG_ARITY, None, "1"),
    bad("callerror-4", V201, '[4,"1","GenericError",""]', Violation.WRONG_ARITY, None, "1"),
    bad("callerror-6", V16, '[4,"1","GenericError","",{},{}]', Violation.WRONG_ARITY, None,
        "1"),
    bad("callerror-6", V201, '[4,"1","GenericError","",{},{}]', Violation.WRONG_ARITY, None,
        "1"),
    bad("callresulterror-4", V21, '[5,"1","GenericError",""]', Violation.WRONG_ARITY, None,
        "1"),
    bad("send-3", V21, '[6,"1","NotifyPeriodicEventStream"]', Violation.WRONG_ARITY, None, "1"),
    # --- unique id ---------------------------------------------------------------------------
    bad("id-int", V16, '[2,1,"Heartbeat",{}]', Violation.BAD_UNIQUE_ID, "ProtocolError", "-1"),
    bad("id-int", V201, '[2,1,"Heartbeat",{}]', Violation.BAD_UNIQUE_ID, "RpcFrameworkError",
        "-1"),
    bad("id-null", V16, '[2,null,"Heartbeat",{}]', Violation.BAD_UNIQUE_ID, "ProtocolError",
        "-1"),
    bad("id-null", V201, '[2,null,"Heartbeat",{}]', Violation.BAD_UNIQUE_ID,
        "RpcFrameworkError", "-1"),
    bad("id-empty", V16, '[2,"","Heartbeat",{}]', Violation.BAD_UNIQUE_ID, "ProtocolError",
        "-1"),
    bad("id-empty", V201, '[2,"","Heartbeat",{}]', Violation.BAD_UNIQUE_ID,
        "RpcFrameworkError", "-1"),
    bad("id-37", V16, f'[2,"{ID37}","Heartbeat",{{}}]', Violation.BAD_UNIQUE_ID,
        "ProtocolError", "-1"),
    bad("id-37", V201, f'[2,"{ID37}","Heartbeat",{{}}]', Violation.BAD_UNIQUE_ID,
        "RpcFrameworkError", "-1"),
    bad("id-list", V21, '[2,["1"],"Heartbeat",{}]', Violation.BAD_UNIQUE_ID,
        "RpcFrameworkError", "-1"),
    bad("callresult-id-int", V201, "[3,1,{}]", Violation.BAD_UNIQUE_ID, None, None),
    bad("callresult-id-37", V16, f'[3,"{ID37}",{{}}]', Violation.BAD_UNIQUE_ID, None, None),
    bad("callerror-id-null", V201, '[4,null,"GenericError","",{}]', Violation.BAD_UNIQUE_ID,
        None, None),
    bad("send-id-empty", V21, '[6,"","NotifyPeriodicEventStream",{}]', Violation.BAD_UNIQUE_ID,
        None, None),
    # --- action ------------------------------------------------------------------------------
    bad("action-int", V16, '[2,"1",42,{}]', Violation.BAD_ACTION, "FormationViolation", "1"),
    bad("action-int", V201, '[2,"1",42,{}]', Violation.BAD_ACTION, "RpcFrameworkError", "1"),
    bad("action-empty", V16, '[2,"1","",{}]', Violation.BAD_ACTION, "FormationViolation", "1"),
    bad("action-empty", V201, '[2,"1","",{}]', Violation.BAD_ACTION, "RpcFrameworkError", "1"),
    bad("action-null", V201, '[2,"1",null,{}]', Violation.BAD_ACTION, "RpcFrameworkError", "1"),
    bad("action-FooBar", V16, '[2,"1","FooBar",{}]', Violation.UNKNOWN_ACTION,
        "NotImplemented", "1"),
    bad("action-FooBar", V201, '[2,"1","FooBar",{}]', Violation.UNKNOWN_ACTION,
        "NotImplemented", "1"),
    bad("action-wrong-case", V201, '[2,"1","heartbeat",{}]', Violation.UNKNOWN_ACTION,
        "NotImplemented", "1"),
    bad("action-with-suffix", V201, '[2,"1","HeartbeatRequest",{}]', Violation.UNKNOWN_ACTION,
        "NotImplemented", "1"),
    bad("action-2.0.1-only", V16, '[2,"1","TransactionEvent",{}]', Violation.UNKNOWN_ACTION,
        "NotImplemented", "1"),
    bad("action-1.6-only", V201, '[2,"1","StartTransaction",{}]', Violation.UNKNOWN_ACTION,
        "NotImplemented", "1"),
    bad("action-2.1-only", V201, '[2,"1","BatterySwap",{}]', Violation.UNKNOWN_ACTION,
        "NotImplemented", "1"),
    bad("action-1.6-only", V21, '[2,"1","RemoteStartTransaction",{}]',
        Violation.UNKNOWN_ACTION, "NotImplemented", "1"),
    bad("send-action-unknown", V21, '[6,"1","FooBar",{}]', Violation.UNKNOWN_ACTION, None, "1"),
    # --- payload -----------------------------------------------------------------------------
    bad("call-payload-list", V16, '[2,"1","Heartbeat",[]]', Violation.PAYLOAD_NOT_OBJECT,
        "FormationViolation", "1"),
    bad("call-payload-list", V201, '[2,"1","Heartbeat",[{}]]', Violation.PAYLOAD_NOT_OBJECT,
        "FormatViolation", "1"),
    bad("call-payload-string", V16, '[2,"1","Heartbeat","{}"]', Violation.PAYLOAD_NOT_OBJECT,
        "FormationViolation", "1"),
    bad("call-payload-string", V201, '[2,"1","Heartbeat","{}"]', Violation.PAYLOAD_NOT_OBJECT,
        "FormatViolation", "1"),
    bad("call-payload-null", V16, '[2,"1","Heartbeat",null]', Violation.PAYLOAD_NOT_OBJECT,
        "FormationViolation", "1"),
    bad("call-payload-null", V201, '[2,"1","Heartbeat",null]', Violation.PAYLOAD_NOT_OBJECT,
        "FormatViolation", "1"),
    bad("send-payload-list", V21, '[6,"1","NotifyPeriodicEventStream",[]]',
        Violation.PAYLOAD_NOT_OBJECT, None, "1"),
    bad("callresult-payload-list", V16, '[3,"1",[]]', Violation.PAYLOAD_NOT_OBJECT, None, "1"),
    bad("callresult-payload-list", V201, '[3,"1",[]]', Violation.PAYLOAD_NOT_OBJECT, None,
        "1"),
    bad("callresult-payload-string", V16, '[3,"1","ok"]', Violation.PAYLOAD_NOT_OBJECT, None,
        "1"),
    bad("callresult-payload-string", V201, '[3,"1","ok"]', Violation.PAYLOAD_NOT_OBJECT, None,
        "1"),
    bad("callresult-payload-null", V16, '[3,"1",null]', Violation.PAYLOAD_NOT_OBJECT, None,
        "1"),
    bad("callresult-payload-null", V201, '[3,"1",null]', Violation.PAYLOAD_NOT_OBJECT, None,
        "1"),
    # --- CALLERROR fields --------------------------------------------------------------------
    bad("error-code-unknown", V16, '[4,"1","Oops","",{}]', Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-code-unknown", V201, '[4,"1","Oops","",{}]', Violation.BAD_ERROR_CODE, None,
        "1"),
    bad("error-code-int", V201, '[4,"1",500,"",{}]', Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-code-1.6-in-2.0.1", V201, '[4,"1","FormationViolation","",{}]',
        Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-code-1.6-spelling-in-2.0.1", V201, '[4,"1","OccurenceConstraintViolation","",{}]',
        Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-code-1.6-in-2.1", V21, '[4,"1","FormationViolation","",{}]',
        Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-code-2x-FormatViolation-in-1.6", V16, '[4,"1","FormatViolation","",{}]',
        Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-code-2x-RpcFrameworkError-in-1.6", V16, '[4,"1","RpcFrameworkError","",{}]',
        Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-code-2x-MessageTypeNotSupported-in-1.6", V16,
        '[4,"1","MessageTypeNotSupported","",{}]', Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-code-2x-spelling-in-1.6", V16, '[4,"1","OccurrenceConstraintViolation","",{}]',
        Violation.BAD_ERROR_CODE, None, "1"),
    bad("error-description-int", V16, '[4,"1","GenericError",7,{}]',
        Violation.BAD_ERROR_DESCRIPTION, None, "1"),
    bad("error-description-null", V201, '[4,"1","GenericError",null,{}]',
        Violation.BAD_ERROR_DESCRIPTION, None, "1"),
    bad("error-description-256", V201, json.dumps([4, "1", "GenericError", "d" * 256, {}]),
        Violation.BAD_ERROR_DESCRIPTION, None, "1"),
    bad("error-description-256", V21, json.dumps([4, "1", "GenericError", "d" * 256, {}]),
        Violation.BAD_ERROR_DESCRIPTION, None, "1"),
    bad("error-details-list", V16, '[4,"1","GenericError","",[]]', Violation.BAD_ERROR_DETAILS,
        None, "1"),
    bad("error-details-null", V201, '[4,"1","GenericError","",null]',
        Violation.BAD_ERROR_DETAILS, None, "1"),
    bad("error-details-string", V201, '[4,"1","GenericError","","{}"]',
        Violation.BAD_ERROR_DETAILS, None, "1"),
    bad("callresulterror-code-unknown", V21, '[5,"1","Oops","",{}]', Violation.BAD_ERROR_CODE,
        None, "1"),
]  # fmt: skip


@pytest.mark.parametrize(("version", "raw", "violation", "reply_code", "unique_id"), BAD_FRAMES)
def test_bad_frame(
    version: OcppVersion,
    raw: str | bytes,
    violation: Violation,
    reply_code: str | None,
    unique_id: str | None,
) -> None:
    with pytest.raises(ProtocolViolation) as info:
        decode(raw, version)
    pv = info.value
    assert pv.violation is violation, pv.detail
    assert pv.reply_code == reply_code, pv.detail
    assert pv.unique_id == unique_id, pv.detail
    assert pv.version is version
    assert pv.detail
    if reply_code is not None:
        assert reply_code in error_codes(version)
        # The answer must be sendable: a readable id, and the detail text encodes.
        assert pv.unique_id is not None
        serialize(CallError(pv.unique_id, reply_code, pv.detail[:255])).encode("utf-8")
    assert str(pv).startswith(str(violation))


def test_bad_frame_table_is_broad() -> None:
    assert len(BAD_FRAMES) >= 45
    versions = {p.values[0] for p in BAD_FRAMES}
    assert versions == {V16, V201, V21}
    assert {p.values[2] for p in BAD_FRAMES} >= set(Violation) - {
        Violation.SCHEMA,
        Violation.UNSUPPORTED_ACTION,
    }


def test_bad_frame_violation_names_action() -> None:
    with pytest.raises(ProtocolViolation) as info:
        decode('[2,"abc","TransactionEvent",{}]', V16)
    assert info.value.action == "TransactionEvent"
    assert "TransactionEvent" in info.value.detail
    assert "'abc'" in str(info.value)


# --- the CallError code names per version ------------------------------------------------------


def test_error_code_names_differ_between_1_6_and_2x() -> None:
    c16, c201, c21 = error_codes(V16), error_codes(V201), error_codes(V21)
    assert c201 == c21
    # OCPP-J 1.6 section 4.2.3, spelling "Occurence" included.
    assert c16 == {
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
    # OCPP 2.0.1 Part 4 section 4.3.
    assert c201 - c16 == {
        "FormatViolation",
        "MessageTypeNotSupported",
        "OccurrenceConstraintViolation",
        "RpcFrameworkError",
    }
    assert c16 - c201 == {"FormationViolation", "OccurenceConstraintViolation"}


# --- good frames --------------------------------------------------------------------------------

GOOD_FRAMES: list[Any] = [
    pytest.param(V16, Call("1", "Heartbeat", {}), id="1.6-call"),
    pytest.param(
        V16,
        Call(
            ID36,
            "BootNotification",
            {"chargePointVendor": "Vé", "chargePointModel": 'M "1" \\ 😀'},
        ),
        id="1.6-call-id36-unicode",
    ),
    pytest.param(V16, CallResult("1", {"currentTime": "2024-01-01T00:00:00Z"}), id="1.6-result"),
    pytest.param(V16, CallResult("x", {}), id="1.6-result-empty"),
    pytest.param(V16, CallError("1", "FormationViolation", "bad", {"k": [1]}), id="1.6-error"),
    pytest.param(
        V16, CallError("1", "OccurenceConstraintViolation", "d" * 300), id="1.6-error-long-desc"
    ),
    pytest.param(V201, Call("a-b", "TransactionEvent", {"seqNo": 1.5}), id="2.0.1-call"),
    pytest.param(V201, Call(ID36, "DataTransfer", {"data": [None, True, {}]}), id="2.0.1-call-36"),
    pytest.param(V201, CallResult("1", {"a": {"b": [1, 2.5, "c"]}}), id="2.0.1-result"),
    pytest.param(V201, CallError("1", "RpcFrameworkError", ""), id="2.0.1-error"),
    pytest.param(V201, CallError("1", "FormatViolation", "d" * 255, {}), id="2.0.1-error-255"),
    pytest.param(V201, CallError("-1", "MessageTypeNotSupported", "x"), id="2.0.1-error-minus1"),
    pytest.param(V21, Call("1", "BatterySwap", {}), id="2.1-call"),
    pytest.param(V21, CallResult("1", {}), id="2.1-result"),
    pytest.param(V21, CallError("1", "OccurrenceConstraintViolation", "x"), id="2.1-error"),
    pytest.param(
        V21,
        CallError("1", "GenericError", "bad result", {}, MessageType.CALLRESULTERROR),
        id="2.1-callresulterror",
    ),
    pytest.param(V21, Send("1", "NotifyPeriodicEventStream", {"id": 1}), id="2.1-send"),
]


@pytest.mark.parametrize(("version", "frame"), GOOD_FRAMES)
def test_good_frame_round_trip(version: OcppVersion, frame: Frame) -> None:
    text = serialize(frame)
    decoded = decode(text, version)
    assert decoded == frame
    assert type(decoded) is type(frame)
    assert decode(text.encode("utf-8"), version) == frame
    assert serialize(decoded) == text


@pytest.mark.parametrize(
    ("version", "raw", "expected"),
    [
        (V16, ' [ 2 , "1" , "Heartbeat" , { } ] ', Call("1", "Heartbeat", {})),
        (V201, '[2,"1","DataTransfer",{"vendorId":"\\ud83d\\ude00"}]',
         Call("1", "DataTransfer", {"vendorId": "😀"})),
        (V201, '[3,"1",{"n":10000000000000000000000}]', CallResult("1", {"n": 10**22})),
        (V201, f'[2,"{ID36}","Heartbeat",{{}}]', Call(ID36, "Heartbeat", {})),
        (V21, '[5,"9","InternalError","",{}]',
         CallError("9", "InternalError", "", {}, MessageType.CALLRESULTERROR)),
        (V21, '[6,"9","NotifyPeriodicEventStream",{}]', Send("9", "NotifyPeriodicEventStream", {})),
        (V16, b'[4,"1","GenericError","",{}]', CallError("1", "GenericError")),
    ],
)  # fmt: skip
def test_good_raw_frame(version: OcppVersion, raw: str | bytes, expected: Frame) -> None:
    assert decode(raw, version) == expected


def test_types_5_and_6_only_in_2_1() -> None:
    for version in (V16, V201):
        for raw in ('[5,"1","GenericError","",{}]', '[6,"1","NotifyPeriodicEventStream",{}]'):
            with pytest.raises(ProtocolViolation) as info:
                decode(raw, version)
            assert info.value.violation is Violation.NOT_IN_VERSION
    assert isinstance(decode('[6,"1","NotifyPeriodicEventStream",{}]', V21), Send)
    err = decode('[5,"1","GenericError","",{}]', V21)
    assert isinstance(err, CallError)
    assert err.message_type is MessageType.CALLRESULTERROR


def test_serialize_is_compact_and_keeps_unicode() -> None:
    text = serialize(Call("1", "DataTransfer", {"vendorId": "Vé"}))
    assert text == '[2,"1","DataTransfer",{"vendorId":"Vé"}]'
