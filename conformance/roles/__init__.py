"""The harness's two roles: MockCsms (a station is tested) and MockStation (a CSMS is tested)."""

from conformance.roles.csms import MockCsms
from conformance.roles.station import MockStation

__all__ = ["MockCsms", "MockStation"]
