#!/bin/bash
# Every allocation of a command-line run made to fail in turn (issue 19).
#
# Usage: alloc_cli.sh WHITEN_WITH_HOOK
# The binary is the command line built with -DWH_ALLOC_HOOK: WH_ALLOC_FAIL_AT=N makes
# its N-th allocation fail, and it ends by printing "alloc-hook: fired|not reached,
# B blocks live". For each command below, N = 0, 1, 2, ... until the failure is no
# longer reached. Every run in which it fired must
#   - exit 1 with a message ("whiten ..."), or exit 0 with exactly the output of
#     an undisturbed run (a failure the command can survive, e.g. a skipped diagnosis);
#   - never crash (no exit status above 2) and leave 0 blocks live (no leak);
#   - leave no output file unless it is the undisturbed run's, byte for byte.
set -u
whiten=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 300 samples of 3 correlated channels (high-entropy values, fixed by a formula).
awk 'BEGIN { for (t = 1; t <= 300; t++) { a = sin(2.385 * t); b = cos(1.7 * t);
             printf "%.6f,%.6f,%.6f\n", a, 0.5 * a + b, sin(0.3 * t) - 0.2 * b } }' > X.csv
"$whiten" fit --net direct --data X.csv --state S0.npz --passes 1 --eta 1e-3 2>/dev/null ||
    { echo "cannot make the state for apply"; exit 1; }
# The CSV file of E1, for `reproduce --report-only` (its sweeps are left out: see below).
"$whiten" reproduce --only E1 --threads 1 --out R0 > /dev/null 2>&1 && rm R0/REPORT.md ||
    { echo "cannot run E1"; exit 1; }

# name | command (run in a fresh folder below this one) | output files (compared with the
# undisturbed run's). `reproduce` runs with --report-only: a run of a sweep that cannot
# allocate is recorded as NaN (never converged) and the command goes on, a known gap.
cases=(
  "fit|$whiten fit --net interneuron --data ../X.csv --state S.npz --passes 2 --eta 1e-3|S.npz"
  "apply|$whiten apply --state ../S0.npz --data ../X.csv --out Y.npy|Y.npy"
  "stream|$whiten stream --net direct --n 3 --eta 1e-3 < ../X.csv > Y.csv|Y.csv"
  "simulate|$whiten simulate --net direct --n 4 --samples 3000 --every 500 --out E.csv --checkpoint C.npz --seed 7|E.csv C.npz"
  "flow|$whiten flow --net interneuron --eigenvalues 0.5,2,8 --init-scale 10 --out T.csv|T.csv"
  "reproduce|cp -r ../R0 R && $whiten reproduce --only E1 --report-only --out R|R/REPORT.md"
)

for c in "${cases[@]}"; do
    IFS='|' read -r name cmd outputs <<< "$c"
    rm -rf ref && mkdir ref && (cd ref && env -u WH_ALLOC_FAIL_AT bash -c "$cmd" 2> err) ||
        { fail "$name: the undisturbed run failed: $(cat ref/err)"; continue; }
    n=0
    while :; do
        rm -rf run && mkdir run
        (cd run && WH_ALLOC_FAIL_AT=$n bash -c "$cmd" 2> err)
        rc=$?
        hook=$(grep '^alloc-hook:' run/err)
        case "$hook" in
            "alloc-hook: not reached"*) break ;;
            "alloc-hook: fired, 0 blocks live") ;;
            *) fail "$name: allocation $n: exit $rc, hook line '$hook' (a leak or a crash)" ;;
        esac
        if [ "$rc" -eq 1 ]; then
            grep -q "^whiten" run/err ||
                fail "$name: allocation $n: exit 1 without a message: $(head -c 300 run/err)"
            for f in $outputs; do # (the shell creates a redirected stdout: it must stay empty)
                [ ! -s "run/$f" ] || fail "$name: allocation $n: exit 1 but $f was written"
            done
        elif [ "$rc" -eq 0 ]; then
            for f in $outputs; do # (a file the undisturbed run leaves out must stay out)
                if [ -e "ref/$f" ]; then
                    cmp -s "ref/$f" "run/$f" || fail "$name: allocation $n: exit 0 but $f differs"
                else
                    [ ! -e "run/$f" ] || fail "$name: allocation $n: exit 0 and $f was left"
                fi
            done
        else
            fail "$name: allocation $n: exit $rc: $(head -c 300 run/err)"
        fi
        n=$((n + 1))
    done
    echo "$name: $n allocations, each failed in turn"
    [ "$n" -ge 3 ] || fail "$name: only $n allocations reached"
done
echo "$failures failures"
[ "$failures" -eq 0 ]
