"""ocpp-conformance: an open OCPP conformance harness (mock CSMS / mock station + test cases)."""

__version__ = "0.1.0"
TOOL_NAME = "ocpp-conformance"
