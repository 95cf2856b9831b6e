"""The reference 2.0.1 CSMS's diagnostics (functional block N, Core and monitoring).

N01: the operator asks a station for a log (GetLogRequest with a fresh requestId per request,
so the LogStatusNotifications of two uploads can be told apart); the CSMS answers every
LogStatusNotification and keeps the upload states. N09/N10: the operator asks for (and/or
clears) what a station stores about a customer, named by idToken or customerIdentifier
(N09.FR.04); the CSMS answers every NotifyCustomerInformation and keeps the data. N04: the
operator sets variable monitors.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from conformance.ocppj import Call
from conformance.sim.control import VerbHandler
from conformance.sim.csms201_certificates import CsmsRequests, verb_handlers
from conformance.sim.csms201_link import Answer
from conformance.sim.faults import declarer

_fault = declarer("csms", ("2.0.1",))

_fault(
    "c201-get-log-wrong-type",
    "GetLog asks for the other logType (SecurityLog / DiagnosticsLog)",
    "TC_N_25_CSMS",
    "TC_N_35_CSMS",
)
_fault(
    "c201-get-log-same-request-id",
    "every GetLog reuses requestId 1, so two uploads cannot be told apart",
    "TC_N_36_CSMS",
)
_fault(
    "c201-get-log-relative-location",
    "GetLog log.remoteLocation is a bare path, no URL with scheme and host",
    "TC_N_25_CSMS",
    "TC_N_34_CSMS",
    "TC_N_35_CSMS",
    "TC_N_36_CSMS",
)
_fault(
    "c201-log-status-error",
    "answers LogStatusNotification with CALLERROR InternalError",
    "TC_N_25_CSMS",
    "TC_N_35_CSMS",
    "TC_N_36_CSMS",
)
_fault(
    "c201-customer-info-no-report",
    "CustomerInformation sent with report false although the operator asked for a report",
    "TC_N_27_CSMS",
    "TC_N_28_CSMS",
    "TC_N_29_CSMS",
    "TC_N_30_CSMS",
    "TC_N_31_CSMS",
    "TC_N_62_CSMS",
)
_fault(
    "c201-customer-info-no-clear",
    "CustomerInformation sent with clear false although the operator asked to clear",
    "TC_N_30_CSMS",
    "TC_N_31_CSMS",
    "TC_N_32_CSMS",
    "TC_N_62_CSMS",
)
_fault(
    "c201-customer-info-wrong-customer",
    "CustomerInformation names another customer (idToken type / customerIdentifier altered)",
    "TC_N_27_CSMS",
    "TC_N_28_CSMS",
    "TC_N_29_CSMS",
    "TC_N_30_CSMS",
    "TC_N_31_CSMS",
    "TC_N_32_CSMS",
    "TC_N_62_CSMS",
)
_fault(
    "c201-notify-customer-info-error",
    "answers NotifyCustomerInformation with CALLERROR InternalError",
    "TC_N_27_CSMS",
    "TC_N_28_CSMS",
    "TC_N_30_CSMS",
    "TC_N_31_CSMS",
    "TC_N_62_CSMS",
)
_fault(
    "c201-monitoring-first-only",
    "SetVariableMonitoring carries only the first of the monitors the operator set",
    "TC_N_09_CSMS",
)

LOG_TYPES = ("DiagnosticsLog", "SecurityLog")
_OTHER_LOG = {"DiagnosticsLog": "SecurityLog", "SecurityLog": "DiagnosticsLog"}


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _component(value: Any, evse_id: Any = None) -> dict[str, Any]:
    comp = dict(value) if isinstance(value, Mapping) else {"name": str(value)}
    if evse_id is not None:
        comp["evse"] = {"id": int(evse_id)}
    return comp


class DiagnosticsVerbs(CsmsRequests):
    """The operator verbs of block N and the answers to what stations report for them."""

    diagnostics_verbs = ("get_log", "customer_information", "set_variable_monitoring")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._diag_ids = itertools.count(1)
        # Per station: requestId → the upload statuses reported, and the customer data.
        self.log_uploads: dict[str, dict[int, list[str]]] = {}
        self.customer_data: dict[str, dict[int, list[str]]] = {}

    def _verbs(self) -> dict[str, VerbHandler]:
        verbs = super()._verbs()
        verbs.update(verb_handlers({n: getattr(self, f"verb_{n}") for n in self.diagnostics_verbs}))
        return verbs

    def state_json(self) -> Mapping[str, Any]:
        out = dict(super().state_json())
        for sid, station in out.get("stations", {}).items():
            station["logUploads"] = {str(k): v for k, v in self.log_uploads.get(sid, {}).items()}
            station["customerInformation"] = {
                str(k): len(v) for k, v in self.customer_data.get(sid, {}).items()
            }
        return out

    # -- operator verbs --------------------------------------------------------------------

    def verb_get_log(self, args: Mapping[str, Any]) -> Any:
        log_type = str(args.get("log_type") or "DiagnosticsLog")
        if log_type not in LOG_TYPES:
            raise ValueError(f"log_type must be one of {', '.join(LOG_TYPES)}")
        if self.faults.on("c201-get-log-wrong-type"):
            log_type = _OTHER_LOG[log_type]
        request_id = 1 if self.faults.on("c201-get-log-same-request-id") else next(self._diag_ids)
        location = str(self.options.extra.get("log_location") or f"ftp://{self.options.host}/logs")
        if self.faults.on("c201-get-log-relative-location"):
            location = "/logs/upload"
        payload = {
            "logType": log_type,
            "requestId": request_id,
            "log": {"remoteLocation": location},
        }
        return self._send(args, "GetLog", payload)

    def verb_customer_information(self, args: Mapping[str, Any]) -> Any:
        """N09/N10: report and/or clear what the station keeps about one customer, named by
        customer_identifier or else by idToken (default: the first valid token)."""
        report = _flag(args.get("report"), True)
        clear = _flag(args.get("clear"), False)
        if report and self.faults.on("c201-customer-info-no-report"):
            report = False
        if clear and self.faults.on("c201-customer-info-no-clear"):
            clear = False
        wrong = self.faults.on("c201-customer-info-wrong-customer")
        payload: dict[str, Any] = {
            "requestId": next(self._diag_ids),
            "report": report,
            "clear": clear,
        }
        if args.get("customer_identifier"):
            ident = str(args["customer_identifier"])
            payload["customerIdentifier"] = ident.lower() if wrong else ident
        else:
            kind = str(args.get("type") or "ISO14443")
            if wrong:
                kind = "Central" if kind != "Central" else "ISO14443"
            payload["idToken"] = {
                "idToken": str(args.get("id_token") or self.options.valid_tokens[0]),
                "type": kind,
            }
        return self._send(args, "CustomerInformation", payload)

    def verb_set_variable_monitoring(self, args: Mapping[str, Any]) -> Any:
        """N04: monitors = [{component, evse_id?, variable, type, value, severity}]."""
        data = []
        for item in args.get("monitors") or []:
            data.append(
                {
                    "value": item.get("value", 1),
                    "type": str(item.get("type") or "Delta"),
                    "severity": int(item.get("severity", 8)),
                    "component": _component(item["component"], item.get("evse_id")),
                    "variable": _component(item["variable"]),
                }
            )
        if not data:
            raise ValueError("monitors must name at least one component/variable")
        if self.faults.on("c201-monitoring-first-only"):
            data = data[:1]
        return self._send(args, "SetVariableMonitoring", {"setMonitoringData": data})

    # -- what stations report --------------------------------------------------------------

    def diagnostics_answer(self, station_id: str, call: Call) -> Answer | None:
        """The answer to a block-N report, or None to let the CSMS's state answer it."""
        p = call.payload
        if call.action == "LogStatusNotification":
            if "requestId" in p:
                uploads = self.log_uploads.setdefault(station_id, {})
                uploads.setdefault(int(p["requestId"]), []).append(str(p["status"]))
            if self.faults.on("c201-log-status-error"):
                return Answer(error="InternalError", description="no upload is known")
            return Answer({})
        if call.action == "NotifyCustomerInformation":
            data = self.customer_data.setdefault(station_id, {})
            data.setdefault(int(p["requestId"]), []).append(str(p["data"]))
            if self.faults.on("c201-notify-customer-info-error"):
                return Answer(error="InternalError", description="customer store unavailable")
            return Answer({})
        return None


__all__ = ["DiagnosticsVerbs"]
