"""The reference 2.0.1 CSMS's certificate management (functional block M, Core).

M05: the operator installs a root certificate on a station (InstallCertificateRequest with a
PEM X.509 CA certificate of the chosen certificateType); M03: the operator asks which
certificates a station has (GetInstalledCertificateIdsRequest, certificateType omitted for
all of them); M04: the operator deletes one, for which the CSMS first asks the station for its
certificates and then names the one to delete with the certificateHashData the station
reported, hashAlgorithm included (M04.FR.07).

The certificates the CSMS installs are made at run time: the CSMS root is the run's CA when
the CSMS has one (security profiles 2 and 3), otherwise a fresh self-signed root, as is every
other root type. Their private keys are thrown away at once; nothing is written to disk.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conformance.sim.control import VerbHandler
from conformance.sim.csms201_link import StationLink
from conformance.sim.csms_base import ReferenceCsmsBase
from conformance.sim.faults import declarer
from conformance.transport.tls import self_signed_ca

_fault = declarer("csms", ("2.0.1",))

_fault(
    "c201-install-cert-wrong-type",
    "InstallCertificate names another certificateType than the operator asked for",
    "TC_M_01_CSMS",
    "TC_M_02_CSMS",
    "TC_M_05_CSMS",
    "TC_M_20_CSMS",
    "TC_M_21_CSMS",
)
_fault(
    "c201-install-cert-not-pem",
    "InstallCertificate carries the certificate as bare base64 DER, not PEM",
    "TC_M_01_CSMS",
    "TC_M_02_CSMS",
    "TC_M_05_CSMS",
    "TC_M_20_CSMS",
    "TC_M_21_CSMS",
)
_fault(
    "c201-installed-ids-wrong-type",
    "GetInstalledCertificateIds asks for V2GRootCertificate instead of the operator's types",
    "TC_M_12_CSMS",
    "TC_M_13_CSMS",
    "TC_M_17_CSMS",
    "TC_M_18_CSMS",
    "TC_M_19_CSMS",
    "TC_M_20_CSMS",
    "TC_M_21_CSMS",
)
_fault(
    "c201-delete-sha256-only",
    "DeleteCertificate says hashAlgorithm SHA256 whatever algorithm the station reported",
    "TC_M_20_CSMS",
)

# InstallCertificateUseEnumType: the root certificate types a CSMS may install (M05).
INSTALL_TYPES = (
    "V2GRootCertificate",
    "MORootCertificate",
    "CSMSRootCertificate",
    "ManufacturerRootCertificate",
)
_WRONG_TYPE = {"CSMSRootCertificate": "ManufacturerRootCertificate"}


def verb_handlers(methods: Mapping[str, Callable[[dict[str, Any]], Any]]) -> dict[str, VerbHandler]:
    """Control-API handlers for synchronous `verb_*` methods (they return at once)."""

    def wrap(method: Callable[[dict[str, Any]], Any]) -> VerbHandler:
        async def handler(args: dict[str, Any]) -> Mapping[str, Any] | None:
            result: Mapping[str, Any] | None = method(args)
            return result

        return handler

    return {name: wrap(m) for name, m in methods.items()}


def root_certificate_pem(common_name: str) -> str:
    """A fresh self-signed CA certificate (P-256, valid 30 days); the key is discarded."""
    cert, _key = self_signed_ca(common_name, "ocpp-conformance reference CSMS")
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class CsmsRequests(ReferenceCsmsBase):
    """Sending an operator's request and taking in how the station answered it."""

    async def perform_answered(
        self, link: StationLink, action: str, payload: dict[str, Any]
    ) -> Mapping[str, Any]:
        """`_perform` the request; return the station's answer as the CSMS recorded it (a
        refusal such as Failed or NotFound is normal business: it is only recorded)."""
        await self._perform(link, action, payload)
        answer: Mapping[str, Any] = self.state.record(link.station_id).responses.get(action) or {}
        return answer


class CertificateVerbs(CsmsRequests):
    """The operator verbs of block M (mixed into the 2.0.1 reference CSMS)."""

    certificate_verbs = (
        "install_certificate",
        "get_installed_certificate_ids",
        "delete_certificate",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._roots: dict[str, str] = {}  # certificateType → the PEM root the CSMS installs

    def _verbs(self) -> dict[str, VerbHandler]:
        verbs = super()._verbs()
        verbs.update(verb_handlers({n: getattr(self, f"verb_{n}") for n in self.certificate_verbs}))
        return verbs

    def root_for(self, kind: str) -> str:
        """The CA certificate the CSMS installs as `kind` (the same one every time)."""
        if kind not in self._roots:
            ca = self.options.ca_cert
            if kind == "CSMSRootCertificate" and ca is not None and ca.exists():
                self._roots[kind] = ca.read_text()
            else:
                self._roots[kind] = root_certificate_pem(f"reference {kind}")
        return self._roots[kind]

    def verb_install_certificate(self, args: Mapping[str, Any]) -> Any:
        kind = str(args.get("certificate_type") or "CSMSRootCertificate")
        if kind not in INSTALL_TYPES:
            raise ValueError(f"certificate_type must be one of {', '.join(INSTALL_TYPES)}")
        pem = self.root_for(kind)
        if self.faults.on("c201-install-cert-wrong-type"):
            kind = _WRONG_TYPE.get(kind, "CSMSRootCertificate")
        if self.faults.on("c201-install-cert-not-pem"):
            der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(
                serialization.Encoding.DER
            )
            pem = base64.b64encode(der).decode()
        request = {"certificateType": kind, "certificate": pem}
        out = self._send(args, "InstallCertificate", request)
        return {"action": out["action"], "certificateType": kind}  # the PEM is not echoed

    def _installed_ids_request(self, types: list[str] | None) -> dict[str, Any]:
        if self.faults.on("c201-installed-ids-wrong-type"):
            types = ["V2GRootCertificate"]
        return {"certificateType": types} if types else {}

    def verb_get_installed_certificate_ids(self, args: Mapping[str, Any]) -> Any:
        raw = args.get("certificate_types")
        types = [str(t) for t in raw] if isinstance(raw, list) else ([str(raw)] if raw else None)
        return self._send(args, "GetInstalledCertificateIds", self._installed_ids_request(types))

    def verb_delete_certificate(self, args: Mapping[str, Any]) -> Any:
        """M04: look the certificate up first, then delete it by the hash data the station
        reported for it (M04.FR.07: with the station's own hashAlgorithm)."""
        kind = str(args.get("certificate_type") or "CSMSRootCertificate")
        link = self._link(args)
        self.spawn(self._delete(link, kind))
        return {"action": "DeleteCertificate", "certificateType": kind}

    async def _delete(self, link: StationLink, kind: str) -> None:
        answer = await self.perform_answered(
            link, "GetInstalledCertificateIds", self._installed_ids_request([kind])
        )
        if link.closed.is_set():
            return
        chain = [
            entry
            for entry in answer.get("certificateHashDataChain") or []
            if entry.get("certificateType") == kind
        ]
        if answer.get("status") != "Accepted" or not chain:
            return  # nothing of that type installed: nothing to delete
        hash_data = dict(chain[0]["certificateHashData"])
        if self.faults.on("c201-delete-sha256-only"):
            hash_data["hashAlgorithm"] = "SHA256"
        await self.perform_answered(link, "DeleteCertificate", {"certificateHashData": hash_data})


__all__ = ["CertificateVerbs", "CsmsRequests", "verb_handlers"]
