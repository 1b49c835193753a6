#!/bin/bash
# The NULL policy (whiten.h) is tested for every public function: each function the
# headers declare WH_API (the set tests/abi.sh proves equal to the library's exports)
# must have its own Test(null, name) in tests/test_null.c, and no test may name a
# function that no longer exists.
# Usage: null_complete.sh INCLUDE_DIR TEST_NULL_C
set -u
include=$1 source=$2
declared=$(cat "$include"/whiten/*.h "$include"/whiten/*.h.in | tr '\n' ' ' | grep -o 'WH_API[^;{]*(' |
           grep -o 'wh_[a-z0-9_]*($' | tr -d '(' | sort -u)
tested=$(grep -o '^Test(null, wh_[a-z0-9_]*' "$source" | sed 's/^Test(null, //' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$tested"))
extra=$(comm -13 <(echo "$declared") <(echo "$tested"))
status=0
[ -z "$missing" ] || { echo "FAIL: no NULL test in test_null.c for: $(echo $missing)"; status=1; }
[ -z "$extra" ] || { echo "FAIL: test_null.c tests undeclared functions: $(echo $extra)"; status=1; }
echo "$(wc -l <<< "$declared") public functions, $(wc -l <<< "$tested") with a NULL test"
exit $status
