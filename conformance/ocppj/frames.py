"""OCPP-J frames as values, and their wire form.

A frame is what travels in one WebSocket text message: a JSON array whose first element is the
message type id. 2.1 adds CALLRESULTERROR (an error about a CALLRESULT) and SEND (a CALL that
expects no answer).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any


class MessageType(enum.IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5  # 2.1 only
    SEND = 6  # 2.1 only


@dataclass(frozen=True, slots=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]

    def to_wire(self) -> list[Any]:
        return [MessageType.CALL.value, self.unique_id, self.action, self.payload]


@dataclass(frozen=True, slots=True)
class CallResult:
    unique_id: str
    payload: dict[str, Any]

    def to_wire(self) -> list[Any]:
        return [MessageType.CALLRESULT.value, self.unique_id, self.payload]


@dataclass(frozen=True, slots=True)
class CallError:
    unique_id: str
    error_code: str
    error_description: str = ""
    error_details: dict[str, Any] = field(default_factory=dict)

    message_type: MessageType = MessageType.CALLERROR

    def to_wire(self) -> list[Any]:
        return [
            self.message_type.value,
            self.unique_id,
            self.error_code,
            self.error_description,
            self.error_details,
        ]


@dataclass(frozen=True, slots=True)
class Send:
    """2.1 SEND: like a CALL, but the receiver must not answer."""

    unique_id: str
    action: str
    payload: dict[str, Any]

    def to_wire(self) -> list[Any]:
        return [MessageType.SEND.value, self.unique_id, self.action, self.payload]


Frame = Call | CallResult | CallError | Send


def serialize(frame: Frame) -> str:
    """Compact JSON, UTF-8 kept as is: what a careful implementation puts on the wire."""
    return json.dumps(frame.to_wire(), separators=(",", ":"), ensure_ascii=False)
