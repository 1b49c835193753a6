"""Sum the individual tests of one or more Meson test runs.

Criterion executables report "Synthesis: Tested: N | Passing: P | Failing: F
| Crashing: C"; the pytest suite (test 'python', python/tests/) writes a JUnit XML
file, python/tests/pytest.xml in its build folder, whose test cases are counted
one by one (skipped ones as neither passed nor failed); any other test without
such a line (a shell script) counts as one test. A pytest run that counts no
passing test, or whose XML is missing, counts as a failure, never as a pass.
Prints a final line "N passed, N failed".
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

SYNTHESIS = re.compile(r"Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")
PYTEST_XML = os.path.join("python", "tests", "pytest.xml")


def pytest_counts(path):
    """(passed, failed) of a JUnit XML file; (0, 1) if it is missing, unreadable or empty."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return 0, 1
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    passed = failed = 0
    for s in suites:
        tests, skipped = int(s.get("tests", 0)), int(s.get("skipped", 0))
        bad = int(s.get("failures", 0)) + int(s.get("errors", 0))
        passed += tests - skipped - bad
        failed += bad
    return passed, failed + (passed == 0 and failed == 0)


passed = failed = 0
for build in sys.argv[1:]:
    with open(f"{build}/meson-logs/testlog.json") as log:
        for line in log:
            result = json.loads(line)
            ok = result["result"] == "OK"
            if result["name"].split(" / ")[-1] == "python":
                p, f = pytest_counts(os.path.join(build, PYTEST_XML))
                passed += p
                failed += f + (not ok and f == 0)
                continue
            match = SYNTHESIS.search(result.get("stdout", "") + result.get("stderr", ""))
            if match:
                tested, passing = int(match.group(1)), int(match.group(2))
                passed += passing
                failed += tested - passing
                # A crash before the synthesis line, or a non-zero exit, still fails.
                if not ok and tested == passing:
                    failed += 1
            elif ok:
                passed += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed")
