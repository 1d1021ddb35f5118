"""Great Expectations suites and checkpoints, as code, that gate each release of the marts."""
