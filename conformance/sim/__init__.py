"""Reference DUTs: a reference charging station and a reference CSMS, with fault injection.

They are the suite's own test subject: the whole suite must pass against them, and each
injected fault must make some case fail. They share `ocppj` and `transport` with the harness,
never its test-case logic.
"""
