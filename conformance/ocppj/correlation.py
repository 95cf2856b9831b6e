"""Pairing CALLs with their answers, and the one-outstanding-call rule (OCPP-J 4.1.1).

Sans-I/O: the session feeds it what it sends and receives and acts on the findings it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.ocppj.frames import Call


@dataclass
class Correlator:
    """Tracks our outstanding CALL and the peer's, by unique id."""

    ours: dict[str, Call] = field(default_factory=dict)
    theirs: dict[str, Call] = field(default_factory=dict)
    answered_ids: set[str] = field(default_factory=set)
    # Every peer CALL seen on this connection, by id. OCPP-J requires a fresh id for each
    # other CALL; the same CALL again is a retry only while it is unanswered (the sender's
    # timeout), so once answered on this connection a reused id is always a finding.
    their_history: dict[str, Call] = field(default_factory=dict)

    def sent_call(self, call: Call) -> None:
        self.ours[call.unique_id] = call

    def received_call(self, call: Call) -> list[str]:
        """Register a peer CALL; returns findings (empty when all is well)."""
        problems: list[str] = []
        if call.unique_id in self.theirs:
            problems.append(
                f"message id {call.unique_id!r} reused while the earlier "
                f"{self.theirs[call.unique_id].action} with that id is still unanswered"
            )
        elif (earlier := self.their_history.get(call.unique_id)) is not None:
            if earlier.action == call.action and earlier.payload == call.payload:
                problems.append(
                    f"{call.action} sent again under message id {call.unique_id!r} after it "
                    f"had been answered: a duplicate frame, not a retry (a retry is due only "
                    f"when no answer came)"
                )
            else:
                problems.append(
                    f"message id {call.unique_id!r} reused for {call.action}: it was already "
                    f"used for an earlier {earlier.action} on this connection; every CALL needs "
                    f"an id of its own"
                )
        if self.theirs and call.unique_id not in self.theirs:
            pending = ", ".join(f"{c.action} ({uid})" for uid, c in self.theirs.items())
            problems.append(
                f"{call.action} sent while the peer's earlier CALL is still unanswered "
                f"({pending}): at most one outstanding CALL per side"
            )
        self.theirs[call.unique_id] = call
        self.their_history[call.unique_id] = call
        return problems

    def answered(self, unique_id: str) -> None:
        """We answered the peer's CALL `unique_id`."""
        self.theirs.pop(unique_id, None)

    def abandoned(self, unique_id: str) -> None:
        """We will never answer the peer's CALL `unique_id` (on purpose): it is no longer
        outstanding, and the peer's retry under the same id, after its timeout, is no reuse."""
        self.theirs.pop(unique_id, None)
        self.their_history.pop(unique_id, None)

    def received_answer(self, unique_id: str) -> Call | None:
        """The CALL of ours this answer belongs to, or None if it answers nothing pending."""
        call = self.ours.pop(unique_id, None)
        if call is not None:
            self.answered_ids.add(unique_id)
        return call

    def forget(self, unique_id: str) -> None:
        """Our CALL timed out: a late answer will then be reported as an unknown id."""
        self.ours.pop(unique_id, None)
