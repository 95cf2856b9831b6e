"""Customer information of the reference 2.0.1 station (N09 Get / N10 Clear, CustomerInformation).

What the station holds about a customer is real state of this run: for an idToken, its
authorization cache entry (the idTokenInfo the CSMS gave, C10) and the EVSE it is authorizing
right now; for a customerIdentifier, what the operator stored under it (verb
store_customer_identifier). A customerCertificate finds nothing (no ISO 15118 here).

A CustomerInformationRequest naming exactly one customer is Accepted, otherwise Invalid. With
report=true the data goes out in NotifyCustomerInformationRequests of at most 512 characters
(seqNo from 0, tbc on all but the last, the request's requestId); with nothing found, one
message says so. With clear=true the customer's data is then removed (the cache entry, the
stored identifier; a running transaction is left alone) and, without report, one message says
it was cleared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conformance.sim.station201_link import Answer
from conformance.sim.station201_tx import now_iso

if TYPE_CHECKING:
    from conformance.sim.station201 import ReferenceStation201

MAX_DATA = 512  # NotifyCustomerInformationRequest.data
REFERENCES = ("customerIdentifier", "idToken", "customerCertificate")


class CustomerData:
    def __init__(self, station: ReferenceStation201) -> None:
        self.st = station
        self.faults = station.faults
        self.identifiers: dict[str, str] = {}  # customerIdentifier -> when the operator stored it

    def store_identifier(self, identifier: str) -> None:
        self.identifiers[identifier] = now_iso()

    # -- what the station knows about a customer ---------------------------------------------

    def _records(self, p: Mapping[str, Any]) -> tuple[str, list[str]]:
        """(a name for the customer, one line per piece of data held about them)."""
        if "customerIdentifier" in p:
            ident = str(p["customerIdentifier"])
            stored = self.identifiers.get(ident)
            found = [] if stored is None else [f"customer {ident}: stored at {stored}"]
            return f"customerIdentifier {ident}", found
        if "idToken" in p:
            token = str(p["idToken"]["idToken"])
            found = []
            cached = self.st.auth_cache.entry(token)
            if cached is not None:
                info = ", ".join(f"{k}={v}" for k, v in sorted(cached.items()))
                found.append(f"authorization cache: idToken {token}: {info}")
            for evse in self.st.tx.evses.values():
                auth = evse.auth
                if auth is not None and auth.id_token.get("idToken") == token:
                    tx = evse.tx.transaction_id if evse.tx is not None else "none yet"
                    found.append(f"EVSE {evse.id}: authorized by idToken {token}, transaction {tx}")
            return f"idToken {token}", found
        cert = p["customerCertificate"]
        return f"certificate serial {cert.get('serialNumber')}", []

    def _clear(self, p: Mapping[str, Any]) -> None:
        if self.faults.on("s201-customer-clear-keeps-data"):
            return
        if "customerIdentifier" in p:
            self.identifiers.pop(str(p["customerIdentifier"]), None)
        elif "idToken" in p:
            self.st.auth_cache.forget(str(p["idToken"]["idToken"]))

    # -- CustomerInformationRequest ----------------------------------------------------------

    def on_request(self, p: Mapping[str, Any]) -> Answer:
        if sum(ref in p for ref in REFERENCES) != 1:
            return Answer(payload={"status": "Invalid"})  # N09/N10: name exactly one customer
        request_id = int(p["requestId"])
        report, clear = bool(p["report"]), bool(p["clear"])
        who, records = self._records(p)
        if report:
            text = "\n".join(records) if records else f"no customer information for {who}"
            if records and self.faults.on("s201-customer-report-empty"):
                text = ""
            silent = not records and self.faults.on("s201-customer-no-data-silent")
            parts = [] if silent else _split(text)
        elif clear and not self.faults.on("s201-customer-clear-silent"):
            state = "cleared" if records else "nothing to clear"
            parts = [f"customer information for {who}: {state}"]
        else:
            parts = []
        if clear:
            self._clear(p)  # after the report was taken: it shows what was removed
        first = 1 if self.faults.on("s201-customer-seqno-from-1") else 0

        async def notify() -> None:
            generated = now_iso()
            for i, data in enumerate(parts):
                payload = {
                    "data": data,
                    "tbc": i < len(parts) - 1,
                    "seqNo": first + i,
                    "generatedAt": generated,
                    "requestId": request_id,
                }
                self.st.send("NotifyCustomerInformation", payload)

        return Answer(payload={"status": "Accepted"}, then=notify)


def _split(text: str) -> list[str]:
    """Parts of at most MAX_DATA characters (an empty text is one empty part)."""
    return [text[i : i + MAX_DATA] for i in range(0, len(text), MAX_DATA)] or [""]
