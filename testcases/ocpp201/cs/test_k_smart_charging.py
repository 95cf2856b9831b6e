"""OCPP 2.0.1, DUT = charging station, functional block K (Smart Charging), the case of the
Core profile: a station that does not support Smart Charging ignores a TxProfile that comes
with a RequestStartTransactionRequest and starts the transaction as if it had not (F01.FR.12).
"""

from __future__ import annotations

import time
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import states

_TX_VERBS = ("plug_in", "unplug")


def _tx_profile() -> dict[str, Any]:
    """A Relative TxProfile for the transaction about to start (no transactionId yet): one
    period from 0 s, 6 A (chargingRateUnit A; numberPhases left to its default, 3)."""
    return {
        "id": int(time.time()) % 100_000 + 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
            }
        ],
    }


@testcase("TC_K_38_CS", verbs=_TX_VERBS)
async def test_remote_start_ignores_charging_profile(ctx: CaseContext) -> None:
    """F01.FR.12: with the EV connected (EVConnectedPreSession), a RequestStartTransaction
    for <Configured evseId> carrying a TxProfile is accepted by a station without Smart
    Charging, which ignores the profile: it authorizes the idToken first when
    AuthorizeRemoteStart is true, reports the start (triggerReason RemoteStart, the
    remoteStartId and idToken) and energy transfer starts."""
    if ctx.dut.pics.claims("Smart Charging"):
        raise NotApplicable("prerequisite not met: the station claims Smart Charging")
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    await states.ev_connected_pre_session(ctx, s)
    token = states.valid_token(ctx)
    setting = await states.get_variable(ctx, s, "AuthCtrlr", "AuthorizeRemoteStart")
    authorize = (
        setting.get("attributeValue") == "true"
        if setting.get("attributeStatus") == "Accepted"
        else None
    )
    rid = int(time.time() * 1000) % 1_000_000
    t0 = time.monotonic()
    result = await s.call(
        "RequestStartTransaction",
        {
            "idToken": dict(token),
            "remoteStartId": rid,
            "evseId": states.EVSE,
            "chargingProfile": _tx_profile(),
        },
    )
    ctx.require(
        result.get("status") == "Accepted",
        f"RequestStartTransactionResponse status is {result.get('status')!r}; a station "
        f"without Smart Charging must ignore the chargingProfile and accept the request",
        requirement="F01.FR.12",
    )
    if authorize:
        await s.expect(
            "Authorize",
            {"idToken": token},
            predicate=states.after(t0),
            why="AuthorizeRemoteStart is true, so the remote idToken is authorized first",
        )
    await states.energy_transfer_started(ctx, s, since=t0)
    rs = states.RemoteStart(result, rid, dict(token), t0, authorize)
    states.check_remote_start_reported(ctx, s, rs)
