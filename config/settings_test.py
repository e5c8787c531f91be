"""The test suite's settings: development mode (the repository's keys) and nothing else different.

Set in the environment, so the servers and workers the tests start inherit it.
"""

import os

os.environ.setdefault("PARLEY_DEV", "true")
# Report pages compute their figures on the spot: a test reads what it just wrote. The snapshot
# tests (tests/sla/reports/test_snapshots.py) turn snapshots back on.
os.environ.setdefault("PARLEY_REPORT_FRESH_SECONDS", "0")

from config.settings import *  # noqa: E402, F403
