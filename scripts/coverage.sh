#!/bin/bash
# Line coverage of src/, per folder, from the test suite (docs/checking.md).
#
#   scripts/coverage.sh            # every test but the slow suite
#   scripts/coverage.sh --files    # and one row per file
#
# Builds build-coverage with meson's b_coverage (gcc --coverage), runs the tests,
# and summarises gcov's JSON output with scripts/coverage_summary.py (Debian's
# python3, no extra package). Exit status 1 if a folder of src/ is below 85 %.
set -eu
cd "$(dirname "$0")/.."
build=build-coverage
[ -d "$build" ] || meson setup "$build" -Db_coverage=true -Dbuildtype=debug
find "$build" -name '*.gcda' -delete
ninja -C "$build"
OPENBLAS_NUM_THREADS=1 meson test -C "$build" --num-processes 2 --no-suite slow \
    --print-errorlogs || echo "coverage.sh: some tests failed; coverage is of what ran" >&2
/usr/bin/python3 scripts/coverage_summary.py "$build" "$PWD" "$@"
