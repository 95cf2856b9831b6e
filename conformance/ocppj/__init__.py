"""Sans-I/O OCPP-J: frames, strict codec, per-version error codes, schemas, correlation.

No asyncio and no sockets here, so the same rules serve the harness and the reference DUTs and
can be tested (and fuzzed) without a network.
"""

from conformance.ocppj.codec import check_call, check_result, decode
from conformance.ocppj.correlation import Correlator
from conformance.ocppj.errors import ProtocolViolation, SchemaIssue, Violation
from conformance.ocppj.frames import (
    Call,
    CallError,
    CallResult,
    Frame,
    MessageType,
    Send,
    serialize,
)
from conformance.ocppj.versions import OcppVersion, error_codes, sent_by_csms, sent_by_station

__all__ = [
    "Call",
    "CallError",
    "CallResult",
    "Correlator",
    "Frame",
    "MessageType",
    "OcppVersion",
    "ProtocolViolation",
    "SchemaIssue",
    "Send",
    "Violation",
    "check_call",
    "check_result",
    "decode",
    "error_codes",
    "sent_by_csms",
    "sent_by_station",
    "serialize",
]
