"""Strict, sans-I/O parsing of OCPP-J frames.

`decode` turns one WebSocket text message into a frame or raises `ProtocolViolation` saying
exactly what is wrong and which CallError (if any) the receiver owes. It checks structure only;
payload schemas are checked by `check_call` / `check_result`, because a CALLRESULT can only be
validated once it is paired with the CALL it answers (see `correlation`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from typing import Any, NoReturn

from conformance.ocppj import schemas
from conformance.ocppj.errors import (
    ProtocolViolation,
    Violation,
    call_error_code,
    schema_error_code,
)
from conformance.ocppj.frames import Call, CallError, CallResult, Frame, MessageType, Send
from conformance.ocppj.versions import OcppVersion, error_codes

MAX_UNIQUE_ID = 36
# A UTF-16 surrogate code point on its own: Python's json accepts "\ud800" escapes (and a str
# argument may hold one raw), but such a string is not Unicode text and cannot be UTF-8 encoded,
# so neither it nor an answer echoing it could go back on the wire.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ARITY = {
    MessageType.CALL: 4,
    MessageType.CALLRESULT: 3,
    MessageType.CALLERROR: 5,
    MessageType.CALLRESULTERROR: 5,
    MessageType.SEND: 4,
}


def _fail(
    violation: Violation,
    detail: str,
    version: OcppVersion,
    *,
    unique_id: str | None = None,
    action: str | None = None,
    answer: bool = True,
) -> ProtocolViolation:
    code = call_error_code(violation, version) if answer else None
    return ProtocolViolation(
        violation,
        detail,
        version,
        unique_id=unique_id if unique_id is not None else ("-1" if answer else None),
        action=action,
        reply_code=code,
    )


def decode(text: str | bytes, version: OcppVersion) -> Frame:
    """Parse one frame. Raises ProtocolViolation, never anything else."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise _fail(Violation.INVALID_JSON, "frame is not valid UTF-8", version) from None
    try:
        msg = _JSON.decode(text)
    except (ValueError, RecursionError) as exc:
        raise _fail(Violation.INVALID_JSON, f"frame is not JSON: {exc}", version) from None
    lone_surrogate = bool(_LONE_SURROGATE.search(text)) or (
        "\\u" in text and _has_lone_surrogate(msg)
    )
    if not isinstance(msg, list):
        raise _fail(
            Violation.NOT_AN_ARRAY, f"frame is a JSON {type(msg).__name__}, not an array", version
        )
    if not msg:
        raise _fail(Violation.EMPTY_ARRAY, "frame is an empty array", version)

    type_id = msg[0]
    # bool is an int in Python; `true` is not a message type id.
    uid = msg[1] if len(msg) > 1 and _valid_id(msg[1]) else None
    if not isinstance(type_id, int) or isinstance(type_id, bool):
        raise _fail(
            Violation.BAD_MESSAGE_TYPE,
            f"message type id {type_id!r} is not an integer",
            version,
            unique_id=uid,
        )
    try:
        mtype = MessageType(type_id)
    except ValueError:
        raise _fail(
            Violation.UNKNOWN_MESSAGE_TYPE,
            f"unknown message type id {type_id}",
            version,
            unique_id=uid,
        ) from None
    if mtype in (MessageType.CALLRESULTERROR, MessageType.SEND) and version is not OcppVersion.V21:
        raise _fail(
            Violation.NOT_IN_VERSION,
            f"message type {mtype.name} ({type_id}) exists only in OCPP 2.1",
            version,
            unique_id=uid,
        )
    # Responses (and SEND) are never answered with a CallError.
    answer = mtype is MessageType.CALL
    if len(msg) != _ARITY[mtype]:
        raise _fail(
            Violation.WRONG_ARITY,
            f"{mtype.name} must have {_ARITY[mtype]} elements, has {len(msg)}",
            version,
            unique_id=uid,
            answer=answer,
        )
    raw_id = msg[1]
    if not isinstance(raw_id, str):
        raise _fail(
            Violation.BAD_UNIQUE_ID,
            f"message id {raw_id!r} is not a string",
            version,
            answer=answer,
        )
    if not raw_id or len(raw_id) > MAX_UNIQUE_ID:
        # Not an id the peer can correlate (a truncated one could even match another of its
        # CALLs): answered, if at all, with "-1" like an unreadable id.
        raise _fail(
            Violation.BAD_UNIQUE_ID,
            f"message id must be 1 to {MAX_UNIQUE_ID} characters, has {len(raw_id)}",
            version,
            answer=answer,
        )
    if _LONE_SURROGATE.search(raw_id):
        raise _fail(
            Violation.BAD_UNIQUE_ID,
            f"message id {raw_id!r} holds a lone UTF-16 surrogate: not Unicode text",
            version,
            answer=answer,
        )
    if lone_surrogate:
        raise _fail(
            Violation.INVALID_JSON,
            "frame holds a string with a lone UTF-16 surrogate (such as \\ud800): not Unicode text",
            version,
            unique_id=raw_id,
            answer=answer,
        )

    if mtype in (MessageType.CALL, MessageType.SEND):
        return _decode_call(mtype, raw_id, msg[2], msg[3], version, answer)
    if mtype is MessageType.CALLRESULT:
        if not isinstance(msg[2], dict):
            raise _fail(
                Violation.PAYLOAD_NOT_OBJECT,
                f"CALLRESULT payload is a JSON {type(msg[2]).__name__}, not an object",
                version,
                unique_id=raw_id,
                answer=False,
            )
        return CallResult(raw_id, msg[2])
    return _decode_error(mtype, raw_id, msg[2], msg[3], msg[4], version)


def _valid_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_UNIQUE_ID
        and not _LONE_SURROGATE.search(value)
    )


def _reject_constant(name: str) -> NoReturn:
    # Python's json reads NaN, Infinity and -Infinity; JSON (RFC 8259) has no such literals.
    raise ValueError(f"{name} is not a JSON value")


def _parse_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        # Valid JSON syntax, but no IEEE double holds it: echoed back it would be "Infinity".
        raise ValueError(f"number {literal[:40]} is out of range")
    return value


# One decoder for every frame: `json.loads` with hooks builds a new JSONDecoder per call,
# which was a third of the cost of parsing a small frame.
_JSON = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_parse_float)


def _has_lone_surrogate(value: Any) -> bool:
    """Any string (key or value) in a decoded JSON value holding a lone surrogate?"""
    stack = [value]  # iterative: the value may be nested as deep as json.loads allows
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
    return False


def _decode_call(
    mtype: MessageType, uid: str, action: Any, payload: Any, version: OcppVersion, answer: bool
) -> Call | Send:
    if not isinstance(action, str) or not action:
        raise _fail(
            Violation.BAD_ACTION,
            f"action {action!r} is not a non-empty string",
            version,
            unique_id=uid,
            answer=answer,
        )
    if action not in schemas.actions(version):
        raise _fail(
            Violation.UNKNOWN_ACTION,
            f"action {action!r} does not exist in OCPP {version}",
            version,
            unique_id=uid,
            action=action,
            answer=answer,
        )
    if not isinstance(payload, dict):
        raise _fail(
            Violation.PAYLOAD_NOT_OBJECT,
            f"{action} payload is a JSON {type(payload).__name__}, not an object",
            version,
            unique_id=uid,
            action=action,
            answer=answer,
        )
    return Call(uid, action, payload) if mtype is MessageType.CALL else Send(uid, action, payload)


def _decode_error(
    mtype: MessageType, uid: str, code: Any, description: Any, details: Any, version: OcppVersion
) -> CallError:
    if not isinstance(code, str) or code not in error_codes(version):
        raise _fail(
            Violation.BAD_ERROR_CODE,
            f"error code {code!r} is not one of OCPP {version}'s CallError codes",
            version,
            unique_id=uid,
            answer=False,
        )
    if not isinstance(description, str):
        raise _fail(
            Violation.BAD_ERROR_DESCRIPTION,
            f"error description {description!r} is not a string",
            version,
            unique_id=uid,
            answer=False,
        )
    if len(description) > 255 and version.is_2x:
        raise _fail(
            Violation.BAD_ERROR_DESCRIPTION,
            f"error description is {len(description)} characters, at most 255 allowed",
            version,
            unique_id=uid,
            answer=False,
        )
    if not isinstance(details, dict):
        raise _fail(
            Violation.BAD_ERROR_DETAILS,
            f"error details is a JSON {type(details).__name__}, not an object",
            version,
            unique_id=uid,
            answer=False,
        )
    return CallError(uid, code, description, details, mtype)


def check_call(
    call: Call | Send,
    version: OcppVersion,
    *,
    supported: Collection[str] | None = None,
) -> None:
    """Check an incoming CALL against what the receiver supports and the request schema.

    `supported` is the set of actions the receiver implements; a known action outside it is
    NotSupported (OCPP-J: "recognized but not supported"), unlike an unknown one.
    """
    answer = isinstance(call, Call)
    if supported is not None and call.action not in supported:
        raise _fail(
            Violation.UNSUPPORTED_ACTION,
            f"{call.action} is not supported by this receiver",
            version,
            unique_id=call.unique_id,
            action=call.action,
            answer=answer,
        )
    issues = schemas.validate(version, call.action, "request", call.payload)
    if issues:
        raise ProtocolViolation(
            Violation.SCHEMA,
            f"{call.action} request breaks the schema: " + "; ".join(map(str, issues)),
            version,
            unique_id=call.unique_id,
            action=call.action,
            reply_code=schema_error_code(issues[0].keyword, version) if answer else None,
            issues=issues,
        )


def check_result(result: CallResult, action: str, version: OcppVersion) -> None:
    """Check a CALLRESULT against the response schema of the CALL it answers."""
    issues = schemas.validate(version, action, "response", result.payload)
    if issues:
        raise ProtocolViolation(
            Violation.SCHEMA,
            f"{action} response breaks the schema: " + "; ".join(map(str, issues)),
            version,
            unique_id=result.unique_id,
            action=action,
            reply_code=None,
            issues=issues,
        )
