"""Pairing answers with CALLs, and the one-outstanding-CALL rule (OCPP-J 4.1.1)."""

from __future__ import annotations

from conformance.ocppj import Call, Correlator


def call(unique_id: str, action: str = "Heartbeat") -> Call:
    return Call(unique_id, action, {})


# --- our CALLs and their answers ----------------------------------------------------------------


def test_answer_pairs_with_its_own_call_only() -> None:
    c = Correlator()
    boot, beat = call("a1", "BootNotification"), call("b2")
    c.sent_call(boot)
    c.sent_call(beat)
    assert c.received_answer("b2") is beat
    assert c.received_answer("a1") is boot
    assert c.ours == {}


def test_unknown_id_is_none() -> None:
    c = Correlator()
    c.sent_call(call("a1"))
    assert c.received_answer("zz") is None
    assert c.received_answer("A1") is None  # ids are case-sensitive
    assert c.received_answer("a1") is not None


def test_second_answer_to_the_same_call_is_none() -> None:
    c = Correlator()
    c.sent_call(call("a1"))
    assert c.received_answer("a1") is not None
    assert c.received_answer("a1") is None
    assert "a1" in c.answered_ids  # so the session can say "already answered"


def test_forget_then_late_answer_is_none() -> None:
    c = Correlator()
    c.sent_call(call("t1", "Reset"))
    c.forget("t1")
    assert c.received_answer("t1") is None
    assert "t1" not in c.answered_ids  # never answered in time: reported as an unknown id
    c.forget("t1")  # forgetting twice (or something never sent) is harmless
    c.forget("never-sent")


def test_forget_leaves_other_calls_pending() -> None:
    c = Correlator()
    keep = call("k")
    c.sent_call(keep)
    c.sent_call(call("f"))
    c.forget("f")
    assert c.received_answer("k") is keep


# --- the peer's CALLs ---------------------------------------------------------------------------


def test_first_call_is_fine() -> None:
    c = Correlator()
    assert c.received_call(call("p1")) == []


def test_duplicate_id_while_pending_is_reported() -> None:
    c = Correlator()
    assert c.received_call(call("p1", "BootNotification")) == []
    problems = c.received_call(call("p1", "Heartbeat"))
    assert len(problems) == 1
    assert "'p1'" in problems[0]
    assert "BootNotification" in problems[0]  # the earlier, unanswered CALL
    assert "reused" in problems[0]


def test_second_outstanding_call_is_reported() -> None:
    c = Correlator()
    assert c.received_call(call("p1", "StatusNotification")) == []
    problems = c.received_call(call("p2", "MeterValues"))
    assert len(problems) == 1
    text = problems[0]
    assert "MeterValues" in text  # the new one
    assert "StatusNotification (p1)" in text  # and what is still pending
    assert "outstanding" in text


def test_pending_calls_are_all_named() -> None:
    c = Correlator()
    c.received_call(call("p1", "StatusNotification"))
    c.received_call(call("p2", "MeterValues"))
    problems = c.received_call(call("p3", "Heartbeat"))
    assert len(problems) == 1
    assert "StatusNotification (p1)" in problems[0]
    assert "MeterValues (p2)" in problems[0]


def test_after_answering_the_next_call_is_fine() -> None:
    c = Correlator()
    assert c.received_call(call("p1")) == []
    c.answered("p1")
    assert c.received_call(call("p2")) == []
    c.answered("p2")
    assert c.received_call(call("p3")) == []
    # but an id once used stays used on this connection (OCPP-J: a CALL's id differs from all
    # ids the sender used before on the same WebSocket connection)
    assert c.received_call(call("p1")) != []


def test_answering_an_unknown_id_is_harmless() -> None:
    c = Correlator()
    c.answered("nothing")
    assert c.received_call(call("p1")) == []


def test_the_two_directions_are_independent() -> None:
    c = Correlator()
    ours = call("same", "GetVariables")
    c.sent_call(ours)
    # The peer may use the same id for its own CALL: ids are per sender.
    assert c.received_call(call("same", "Heartbeat")) == []
    assert c.received_answer("same") is ours
    c.answered("same")
    assert c.theirs == {}


# --- the peer's message ids over the life of a connection ---------------------------------------


def test_id_reused_for_another_call_after_the_answer() -> None:
    c = Correlator()
    assert c.received_call(call("m1", "Heartbeat")) == []
    c.answered("m1")
    problems = c.received_call(call("m1", "StatusNotification"))
    assert len(problems) == 1 and "reused for StatusNotification" in problems[0]


def test_same_id_with_another_payload_is_reuse() -> None:
    c = Correlator()
    c.received_call(Call("m1", "Heartbeat", {}))
    c.answered("m1")
    assert c.received_call(Call("m1", "Heartbeat", {"x": 1}))


def test_same_call_again_after_its_answer_is_a_duplicate() -> None:
    # A retry is due only when no answer came; once answered, the same frame again is a
    # duplicate (the sender's bug, or a frame sent twice).
    c = Correlator()
    c.received_call(call("m1", "Heartbeat"))
    c.answered("m1")
    problems = c.received_call(call("m1", "Heartbeat"))
    assert len(problems) == 1 and "duplicate frame" in problems[0]
