#!/bin/sh
# The whole test suite, as CI runs it: install what is missing, build with
# warnings as errors and run every test; then build again with AddressSanitizer
# and UndefinedBehaviorSanitizer and run every test again. Ends with a line
# "N passed, N failed" summing the individual Criterion tests of both runs.
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1

status=0
scripts/setup.sh build-test -Dwerror=true -Dbuildtype=debugoptimized
meson test -C build-test --print-errorlogs --num-processes 2 || status=1

scripts/setup.sh build-sanitize -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined
# Leaks inside fontconfig and cairo (system libraries PLplot uses) are suppressed
# by tests/lsan.supp; every leak in whiten's own code still fails the run.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
LSAN_OPTIONS=suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0 \
    meson test -C build-sanitize --print-errorlogs --num-processes 2 --no-suite slow || status=1

python3 scripts/count_tests.py build-test build-sanitize
exit $status
