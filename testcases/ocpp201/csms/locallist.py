"""The CSMS's Local Authorization List as the mock station receives it (OCPP 2.0.1 D01, D02).

What every SendLocalListRequest must satisfy (D01.FR.01 updateType and versionNumber,
D01.FR.06 unique idTokens, D01.FR.18 versionNumber above 0), what its entries must carry
(idTokenInfo to add an idToken, none to remove it: D01.FR.17), and the memory state "a list
is installed on the station", which the CSMS itself sends (the mock station stores it,
`StationModel.local_list`). A case that installs a list leaves the CSMS knowing the station's
list empty again when it ends, so no other case inherits the CSMS's follow-ups (N10.FR.02).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp201.csms import states


def token_of(entry: Mapping[str, Any]) -> str:
    """The idToken string of an AuthorizationData entry."""
    return str((entry.get("idToken") or {}).get("idToken"))


def listed(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    return [token_of(e) for e in entries]


def _expected_statuses(ctx: CaseContext) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Configured idToken -> (what it is, the idTokenInfo statuses the CSMS may give it)."""
    p = ctx.dut.pixit
    return {
        p.valid_idtoken_idtoken: ("valid", ("Accepted",)),
        p.valid_idtoken2_idtoken: ("valid", ("Accepted",)),
        p.invalid_idtoken_idtoken: ("invalid", ("Invalid", "Unknown")),
        p.blocked_idtoken_idtoken: ("blocked", ("Blocked", "Invalid")),
        p.expired_idtoken_idtoken: ("expired", ("Expired", "Invalid")),
    }


async def list_request(ctx: CaseContext, st: MockStation, verb: str, **args: Any) -> Incoming:
    """Ask the CSMS operator for `verb`; return the CSMS's SendLocalListRequest, unanswered."""
    return await states.operator_request(ctx, st, "SendLocalList", verb, **args)


def check_request(ctx: CaseContext, msg: Incoming, update_type: str) -> list[dict[str, Any]]:
    """updateType as the operator asked, versionNumber above 0, every idToken once; returns
    the request's localAuthorizationList."""
    p = msg.payload
    ctx.check(
        p.get("updateType") == update_type,
        f"SendLocalListRequest updateType is {p.get('updateType')!r}, but the operator asked "
        f"for a {update_type} update",
        requirement="D01.FR.01",
        frame=msg.text,
    )
    version = p.get("versionNumber")
    ctx.check(
        isinstance(version, int) and version > 0,
        f"SendLocalListRequest versionNumber is {version!r}; it must be above 0 (a station "
        f"reports version 0 when it has no list installed)",
        requirement="D01.FR.18",
        frame=msg.text,
    )
    entries = [dict(e) for e in p.get("localAuthorizationList") or []]
    ids = listed(entries)
    twice = sorted({t for t in ids if ids.count(t) > 1})
    ctx.check(
        not twice,
        f"SendLocalListRequest lists the idToken(s) {twice} more than once",
        requirement="D01.FR.06",
        frame=msg.text,
    )
    return entries


def check_added(ctx: CaseContext, msg: Incoming, entries: Sequence[Mapping[str, Any]]) -> None:
    """Entries that add idTokens: each with an idTokenInfo (without one the station removes
    the idToken, D01.FR.17), and the configured idTokens with the status the CSMS gives them."""
    bare = [token_of(e) for e in entries if "idTokenInfo" not in e]
    ctx.check(
        not bare,
        f"SendLocalListRequest entries {bare} have no idTokenInfo, so the station removes "
        f"these idTokens instead of adding them",
        requirement="D01.FR.17",
        frame=msg.text,
    )
    expected = _expected_statuses(ctx)
    for entry in entries:
        token, info = token_of(entry), entry.get("idTokenInfo")
        if info is None or token not in expected:
            continue
        what, allowed = expected[token]
        ctx.check(
            info.get("status") in allowed,
            f"SendLocalListRequest gives the configured {what} idToken {token!r} idTokenInfo "
            f"status {info.get('status')!r}, expected {' or '.join(allowed)}",
            frame=msg.text,
        )


def check_version_above(ctx: CaseContext, msg: Incoming, current: int) -> None:
    """A Differential update carries the version of the list after it: above the station's."""
    got = msg.payload.get("versionNumber")
    ctx.check(
        isinstance(got, int) and got > current,
        f"the Differential SendLocalListRequest versionNumber is {got!r}; it must be above "
        f"the station's list version {current}, or the station answers VersionMismatch",
        requirement="D01.FR.01",
        frame=msg.text,
    )


async def answer(ctx: CaseContext, st: MockStation, msg: Incoming) -> None:
    """Answer as a correct station (it applies the list); the update must be Accepted."""
    await states.reply_default(st, msg)
    response = msg.response
    status = response.get("status") if isinstance(response, Mapping) else response
    ctx.require(
        status == "Accepted",
        f"the station could not apply the SendLocalListRequest (it answered {status}); its "
        f"list version was {st.model.local_list_version}",
        frame=msg.text,
    )


def clear_on_exit(ctx: CaseContext, st: MockStation) -> None:
    """When the case ends, have the CSMS empty the station's list (a Full update without
    entries), so the CSMS does not carry this case's list into another one."""

    async def clear() -> None:
        if st.conn.closed.is_set() or not ctx.operator.can("clear_local_list"):
            return
        msg = await list_request(ctx, st, "clear_local_list")
        await states.reply_default(st, msg)

    ctx.defer(clear)


async def list_installed(
    ctx: CaseContext, st: MockStation, tokens: Sequence[Mapping[str, str]]
) -> list[dict[str, Any]]:
    """Memory state: the CSMS installed a Full list with `tokens` on the station (the operator
    sends it; checked as in TC_D_01_CSMS). Returns the list's entries."""
    msg = await list_request(
        ctx, st, "send_local_list", update_type="Full", id_tokens=[dict(t) for t in tokens]
    )
    entries = check_request(ctx, msg, "Full")
    check_added(ctx, msg, entries)
    missing = [t["idToken"] for t in tokens if t["idToken"] not in listed(entries)]
    ctx.require(
        not missing,
        f"the Full SendLocalListRequest does not list the idToken(s) {missing} the operator "
        f"put on the list (it lists {listed(entries)})",
        frame=msg.text,
    )
    await answer(ctx, st, msg)
    clear_on_exit(ctx, st)
    return entries
