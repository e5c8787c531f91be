"""The test suite's settings: development mode (the repository's keys) and nothing else different.

Set in the environment, so the servers and workers the tests start inherit it.
"""

import os

os.environ.setdefault("PARLEY_DEV", "true")

from config.settings import *  # noqa: E402, F403
