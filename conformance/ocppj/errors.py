"""The protocol core's one exception type: a precise description of what is wrong with a frame.

Every violation carries the CallError code the receiver must answer with (per version), or
`None` when the frame must not be answered at all (a broken CALLRESULT or CALLERROR is never
answered: answering errors with errors loops forever).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from conformance.ocppj.versions import OcppVersion


class Violation(enum.StrEnum):
    INVALID_JSON = "invalid-json"
    NOT_AN_ARRAY = "not-an-array"
    EMPTY_ARRAY = "empty-array"
    BAD_MESSAGE_TYPE = "bad-message-type-id"
    UNKNOWN_MESSAGE_TYPE = "unknown-message-type-id"
    WRONG_ARITY = "wrong-arity"
    BAD_UNIQUE_ID = "bad-unique-id"
    BAD_ACTION = "bad-action"
    UNKNOWN_ACTION = "unknown-action"
    UNSUPPORTED_ACTION = "unsupported-action"
    PAYLOAD_NOT_OBJECT = "payload-not-object"
    BAD_ERROR_CODE = "bad-error-code"
    BAD_ERROR_DESCRIPTION = "bad-error-description"
    BAD_ERROR_DETAILS = "bad-error-details"
    SCHEMA = "schema"
    NOT_IN_VERSION = "message-type-not-in-version"


# The CallError code a receiver answers a broken CALL with, per version family.
_CODES_16: dict[Violation, str] = {
    Violation.INVALID_JSON: "FormationViolation",
    Violation.NOT_AN_ARRAY: "FormationViolation",
    Violation.EMPTY_ARRAY: "FormationViolation",
    Violation.BAD_MESSAGE_TYPE: "FormationViolation",
    Violation.UNKNOWN_MESSAGE_TYPE: "FormationViolation",
    Violation.NOT_IN_VERSION: "FormationViolation",
    Violation.WRONG_ARITY: "ProtocolError",
    Violation.BAD_UNIQUE_ID: "ProtocolError",
    Violation.BAD_ACTION: "FormationViolation",
    Violation.UNKNOWN_ACTION: "NotImplemented",
    Violation.UNSUPPORTED_ACTION: "NotSupported",
    Violation.PAYLOAD_NOT_OBJECT: "FormationViolation",
}
_CODES_2X: dict[Violation, str] = {
    Violation.INVALID_JSON: "RpcFrameworkError",
    Violation.NOT_AN_ARRAY: "RpcFrameworkError",
    Violation.EMPTY_ARRAY: "RpcFrameworkError",
    Violation.BAD_MESSAGE_TYPE: "RpcFrameworkError",
    Violation.UNKNOWN_MESSAGE_TYPE: "MessageTypeNotSupported",
    Violation.NOT_IN_VERSION: "MessageTypeNotSupported",
    Violation.WRONG_ARITY: "RpcFrameworkError",
    Violation.BAD_UNIQUE_ID: "RpcFrameworkError",
    Violation.BAD_ACTION: "RpcFrameworkError",
    Violation.UNKNOWN_ACTION: "NotImplemented",
    Violation.UNSUPPORTED_ACTION: "NotSupported",
    Violation.PAYLOAD_NOT_OBJECT: "FormatViolation",
}

# Schema keyword → CallError code (2.x names; 1.6 differs only in spelling, see below).
_SCHEMA_CODES: dict[str, str] = {
    "Required": "OccurrenceConstraintViolation",
    "MinItems": "OccurrenceConstraintViolation",
    "MaxItems": "OccurrenceConstraintViolation",
    "Type": "TypeConstraintViolation",
    "AdditionalProperties": "FormatViolation",
    "Nesting": "FormatViolation",  # schemas.NESTING: invalid, too deeply nested to say where
}


def call_error_code(violation: Violation, version: OcppVersion) -> str:
    table = _CODES_16 if version is OcppVersion.V16 else _CODES_2X
    return table[violation]


def schema_error_code(keyword: str, version: OcppVersion) -> str:
    """The code for a CALL whose payload breaks the schema at `keyword` (e.g. "MaxLength")."""
    code = _SCHEMA_CODES.get(keyword, "PropertyConstraintViolation")
    if version is OcppVersion.V16:
        if code == "FormatViolation":
            return "FormationViolation"
        if code == "OccurrenceConstraintViolation":
            return "OccurenceConstraintViolation"
    return code


@dataclass(frozen=True)
class SchemaIssue:
    """One schema error: where (JSON path such as `$.chargingStation.model`) and what."""

    path: str
    keyword: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class ProtocolViolation(Exception):
    """What is wrong with a received frame, and how the receiver must answer it.

    `unique_id` is the id the answer must carry ("-1" when it could not be read: OCPP 2.0.1
    Part 4 section 4.2.3), `reply_code` the CallError code to send or None for "do not answer".
    """

    violation: Violation
    detail: str
    version: OcppVersion
    unique_id: str | None = None
    action: str | None = None
    reply_code: str | None = None
    issues: list[SchemaIssue] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" (message {self.unique_id!r})" if self.unique_id else ""
        return f"{self.violation}: {self.detail}{where}"
