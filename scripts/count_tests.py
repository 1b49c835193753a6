"""Sum the individual tests of one or more Meson test runs.

Criterion executables report "Synthesis: Tested: N | Passing: P | Failing: F
| Crashing: C"; a test without such a line (a shell script) counts as one test.
Prints a final line "N passed, N failed".
"""
import json
import re
import sys

SYNTHESIS = re.compile(r"Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")

passed = failed = 0
for build in sys.argv[1:]:
    with open(f"{build}/meson-logs/testlog.json") as log:
        for line in log:
            result = json.loads(line)
            match = SYNTHESIS.search(result.get("stdout", "") + result.get("stderr", ""))
            ok = result["result"] == "OK"
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
