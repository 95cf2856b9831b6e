"""Conformance test cases (they test a DUT, not the harness)."""
