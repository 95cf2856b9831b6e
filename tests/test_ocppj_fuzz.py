"""Fuzzing the codec: whatever arrives, `decode` / `check_call` / `check_result` either succeed
or raise `ProtocolViolation` with a sendable answer; nothing else may escape.

Deterministic (derandomize) so CI is stable. For a bug hunt, raise the example count, and
set OCPPJ_FUZZ_RANDOM=1 to explore beyond the one fixed seed:
    OCPPJ_FUZZ_EXAMPLES=20000 OCPPJ_FUZZ_RANDOM=1 python -m pytest tests/test_ocppj_fuzz.py
"""

from __future__ import annotations

import copy
import functools
import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.ocppj import (
    Call,
    CallResult,
    Frame,
    OcppVersion,
    ProtocolViolation,
    Send,
    check_call,
    check_result,
    decode,
    error_codes,
    schemas,
    serialize,
)
from conformance.ocppj.codec import MAX_UNIQUE_ID

EXAMPLES = int(os.environ.get("OCPPJ_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("OCPPJ_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

V16, V201, V21 = OcppVersion.V16, OcppVersion.V201, OcppVersion.V21
versions = st.sampled_from(list(OcppVersion))

# Text that includes lone surrogates now and then (st.text() alone almost never does).
chars = st.one_of(
    st.characters(),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),
    st.sampled_from('[]{}",:\\0123456789-.eE tfn'),
)
texts = st.text(chars, max_size=40)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
# Strict JSON values (no NaN / Infinity): what a well-formed but hostile peer can send.
json_values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(texts, kids, max_size=4),
    max_leaves=16,
)
# Anything Python's json.dumps writes, NaN and Infinity included.
loose_json_values = st.recursive(
    st.one_of(scalars, st.floats()),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(texts, kids, max_size=4),
    max_leaves=16,
)


# --- the properties -----------------------------------------------------------------------------


def readable_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_UNIQUE_ID
        and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    )


def check_violation(pv: ProtocolViolation, version: OcppVersion) -> None:
    """A violation is well-formed, and its answer (if any) can be put on the wire."""
    assert isinstance(pv, ProtocolViolation)
    assert pv.version is version
    assert pv.detail
    str(pv).encode("utf-8")
    if pv.reply_code is not None:
        assert pv.reply_code in error_codes(version), pv
        assert pv.unique_id == "-1" or readable_id(pv.unique_id), pv
        assert pv.unique_id is not None
        pv.unique_id.encode("utf-8")


def check_frame(frame: Frame, version: OcppVersion) -> None:
    """A decoded frame serializes to UTF-8 and decodes back to itself."""
    text = serialize(frame)
    text.encode("utf-8")
    assert decode(text, version) == frame
    assert readable_id(frame.unique_id)


def decode_or_violation(raw: str | bytes, version: OcppVersion) -> Frame | ProtocolViolation:
    """`decode`, with ProtocolViolation (and only it) turned into a value."""
    try:
        frame = decode(raw, version)
    except ProtocolViolation as pv:
        check_violation(pv, version)
        return pv
    check_frame(frame, version)
    return frame


# --- (a) arbitrary text and bytes ---------------------------------------------------------------


@FUZZ
@given(version=versions, text=st.text(chars, max_size=200))
def test_arbitrary_text(version: OcppVersion, text: str) -> None:
    decode_or_violation(text, version)


@FUZZ
@given(version=versions, data=st.binary(max_size=200))
def test_arbitrary_bytes(version: OcppVersion, data: bytes) -> None:
    decode_or_violation(data, version)


@FUZZ
@given(version=versions, depth=st.integers(0, 5000), opener=st.sampled_from(["[", '{"a":', "[2,"]))
def test_deep_nesting(version: OcppVersion, depth: int, opener: str) -> None:
    closer = "]" if opener != '{"a":' else "}"
    decode_or_violation(opener * depth + "0" + closer * depth, version)
    decode_or_violation(opener * depth, version)  # and truncated


@FUZZ
@given(
    version=versions,
    depth=st.integers(0, 900),
    action=st.sampled_from(["Heartbeat", "DataTransfer"]),
    key=st.sampled_from(["data", "extra"]),
)
def test_deeply_nested_payloads(version: OcppVersion, depth: int, action: str, key: str) -> None:
    nested = "[" * depth + "0" + "]" * depth
    frame = decode_or_violation(f'[2,"1","{action}",{{"vendorId":"v","{key}":{nested}}}]', version)
    if isinstance(frame, Call):
        schema_checks(frame, version)


# --- (b) arbitrary JSON values ------------------------------------------------------------------


@FUZZ
@given(version=versions, value=loose_json_values, ascii_only=st.booleans())
def test_arbitrary_json(version: OcppVersion, value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    decode_or_violation(text, version)
    decode_or_violation(text.encode("utf-8", "surrogatepass"), version)


@FUZZ
@given(version=versions, items=st.lists(loose_json_values, max_size=6))
def test_arbitrary_json_arrays(version: OcppVersion, items: list[Any]) -> None:
    decode_or_violation(json.dumps(items), version)


# --- (c) mutations of valid frames --------------------------------------------------------------


def valid_frames(version: OcppVersion) -> list[list[Any]]:
    code = "FormationViolation" if version is V16 else "FormatViolation"
    boot = (
        {"chargePointVendor": "Acme", "chargePointModel": "M1"}
        if version is V16
        else {"reason": "PowerUp", "chargingStation": {"model": "M1", "vendorName": "Acme"}}
    )
    frames: list[list[Any]] = [
        [2, "19223201", "BootNotification", boot],
        [2, "a" * MAX_UNIQUE_ID, "Heartbeat", {}],
        [3, "19223201", {"status": "Accepted", "currentTime": "2024-01-01T00:00:00Z"}],
        [3, "x", {}],
        [4, "19223201", "GenericError", "oops", {}],
        [4, "-1", code, "bad frame", {"at": [1, 2]}],
    ]
    if version is V21:
        frames += [
            [5, "r1", "InternalError", "", {}],
            [6, "s1", "NotifyPeriodicEventStream", {"id": 1, "pending": 0, "data": []}],
        ]
    return frames


def change_type(value: Any) -> Any:
    """The same content in another JSON type."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return str(value) if value % 2 else float(value)
    if isinstance(value, float):
        return [value]
    if isinstance(value, str):
        return {value: value} if value else None
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return dict(enumerate(value)) if value else {}
    return False


MUTATIONS = ["replace", "drop", "insert", "type", "flip", "id", "action", "payload", "payload"]


@st.composite
def mutated_frames(draw: st.DrawFn) -> tuple[OcppVersion, list[Any], str, bool]:
    version = draw(versions)
    msg = copy.deepcopy(draw(st.sampled_from(valid_frames(version))))
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        op = draw(st.sampled_from(MUTATIONS))
        if op == "insert":
            msg.insert(draw(st.sampled_from(range(len(msg) + 1))), draw(json_values))
            continue
        if not msg:
            continue
        i = draw(st.sampled_from(range(len(msg))))
        if op == "replace":
            msg[i] = draw(json_values)
        elif op == "drop":
            del msg[i]
        elif op == "type":
            msg[i] = change_type(msg[i])
        elif op == "flip":
            msg[0] = draw(st.integers(-2, 9) | st.sampled_from([2.0, "2", True, None, 10**20]))
        elif op == "id" and len(msg) > 1:
            msg[1] = draw(
                st.sampled_from(["", "-1", "a" * MAX_UNIQUE_ID, "a" * (MAX_UNIQUE_ID + 1)]) | texts
            )
        elif op == "action" and len(msg) > 2:
            msg[2] = draw(
                st.sampled_from([*sorted(schemas.actions(draw(versions))), "", "FooBar"]) | texts
            )
        elif op == "payload" and isinstance(msg[-1], dict):
            # inside the payload / error details: the frame stays well-formed more often
            target: dict[str, Any] = msg[-1]
            use_existing = draw(st.booleans())
            key = draw(st.sampled_from(sorted(target))) if target and use_existing else draw(texts)
            target[key] = draw(loose_json_values)  # NaN / Infinity too
    text = json.dumps(msg, ensure_ascii=draw(st.booleans()))
    truncated = draw(st.sampled_from([False, False, False, False, True]))
    if truncated:
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return version, msg, text, truncated


def strict_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


@FUZZ
@given(case=mutated_frames())
def test_mutated_frames(case: tuple[OcppVersion, list[Any], str, bool]) -> None:
    version, msg, text, truncated = case
    outcome = decode_or_violation(text, version)
    if truncated or not msg or not strict_json(msg):
        return
    type_id = msg[0]
    if not isinstance(outcome, ProtocolViolation):
        assert type_id in (2, 3, 4, 5, 6) and type(type_id) is int
        return
    pv = outcome
    if type_id == 2 and type(type_id) is int and len(msg) > 1 and readable_id(msg[1]):
        # A broken CALL whose id can be read is answered, under that id, with a code of the
        # version.
        assert pv.reply_code is not None, pv
        assert pv.reply_code in error_codes(version), pv
        assert pv.unique_id == msg[1], pv
    if type(type_id) is int and type_id in (3, 4):
        assert pv.reply_code is None, pv  # broken answers are never answered
    if type(type_id) is int and type_id in (5, 6):
        assert (pv.reply_code is None) == (version is V21), pv


# --- (d) check_call / check_result on decoded CALLs ---------------------------------------------


@functools.cache
def property_names(version: OcppVersion, action: str) -> tuple[str, ...]:
    """Every property name any schema of the action mentions: keys the fuzzer should try."""
    names: set[str] = set()
    for direction in ("request", "response"):
        path = os.path.join(
            schemas._schema_dir(version), schemas._file_name(version, action, direction)
        )
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as fh:
            stack: list[Any] = [json.load(fh)]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                names.update(node.get("properties", {}))
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return tuple(sorted(names))


field_values = st.one_of(
    json_values,
    st.sampled_from(["Accepted", "Rejected", "PowerUp", "2024-01-01T00:00:00Z", "yesterday"]),
    st.integers(-1, 3),
    st.text(max_size=300),
)


@st.composite
def calls(draw: st.DrawFn) -> tuple[OcppVersion, str, str, dict[str, Any]]:
    version = draw(versions)
    action = draw(st.sampled_from(sorted(schemas.actions(version))))
    keys = st.sampled_from(property_names(version, action)) | texts
    payload = draw(
        st.dictionaries(
            keys,
            st.recursive(
                field_values,
                lambda kids: st.lists(kids, max_size=3) | st.dictionaries(keys, kids, max_size=4),
                max_leaves=12,
            ),
            max_size=6,
        )
    )
    uid = draw(st.sampled_from(["1", "-1", "a" * MAX_UNIQUE_ID]) | st.uuids().map(str))
    return version, uid, action, payload


def schema_checks(call: Call, version: OcppVersion, supported: set[str] | None = None) -> None:
    """check_call (as a CALL and as a SEND) and check_result on the payload: only
    ProtocolViolation may escape, and it is well-formed."""
    try:
        check_call(call, version, supported=supported)
    except ProtocolViolation as pv:
        check_violation(pv, version)
        assert pv.reply_code is not None
        assert pv.unique_id == call.unique_id
        assert pv.action == call.action
    try:
        check_call(Send(call.unique_id, call.action, call.payload), version, supported=supported)
    except ProtocolViolation as pv:
        check_violation(pv, version)
        assert pv.reply_code is None  # a SEND is never answered
    if version is V21 and call.action == "NotifyPeriodicEventStream":
        return  # a SEND: there is no response to check
    try:
        check_result(CallResult(call.unique_id, call.payload), call.action, version)
    except ProtocolViolation as pv:
        check_violation(pv, version)
        assert pv.reply_code is None
        assert pv.issues


@FUZZ
@given(case=calls(), restrict=st.booleans())
def test_check_call_and_result(
    case: tuple[OcppVersion, str, str, dict[str, Any]], restrict: bool
) -> None:
    version, uid, action, payload = case
    frame = decode_or_violation(json.dumps([2, uid, action, payload], ensure_ascii=False), version)
    if isinstance(frame, ProtocolViolation):
        assert frame.unique_id == uid  # e.g. a lone surrogate somewhere in the payload
        return
    assert isinstance(frame, Call)
    schema_checks(frame, version, {"Heartbeat", "BootNotification"} if restrict else None)
