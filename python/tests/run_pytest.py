"""Run the pytest suite for `meson test`: python3 run_pytest.py JUNIT_XML TEST_DIR [pytest args].

The JUnit file of an earlier run is removed first, so that scripts/count_tests.py never
counts a stale one (a run that dies before writing it counts as a failure there).
"""
import os
import sys

import pytest

xml, tests = sys.argv[1], sys.argv[2]
if os.path.exists(xml):
    os.unlink(xml)
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-rs", f"--junitxml={xml}",
                      "--rootdir", tests, tests, *sys.argv[3:]]))
