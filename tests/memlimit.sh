#!/bin/bash
# Issue 16: under a limit on the address space (ulimit -v) every command ends
# with its result or with a message, never a hang. OpenBLAS retries a failed
# buffer allocation for ever, in its worker threads (started while the library
# loads) and in the thread that calls it; before src/cli/memlimit.c, `whiten fit`
# under `ulimit -v 150000` never ended. Each run has a timeout, so a hang fails
# the test instead of stalling CI. Plain builds only: AddressSanitizer cannot run
# under an address-space limit. (docs/bad-inputs.md row 107.)
# usage: memlimit.sh WHITEN_EXECUTABLE SWEEP_JSON
set -u
whiten=$1
sweep=$2
. "$(dirname "$0")/lib.sh"

awk 'BEGIN { srand(7); for (i = 0; i < 2000; i++)
    printf "%.9f,%.9f,%.9f\n", rand() - .5, 2 * (rand() - .5), rand() - .5 }' > d.csv
"$whiten" fit --data d.csv --state s.npz --quiet || fail "the fit outside any limit"

# under KB NAME -- COMMAND...: run COMMAND under ulimit -v KB with OpenBLAS free to
# start its threads (the test suite's OPENBLAS_NUM_THREADS=1 removed), at most 90 s.
# It must end by itself: 0, or 1 or 2 with a line from whiten on stderr.
under() {
    local kb=$1 name=$2
    shift 3
    (ulimit -v "$kb" && exec timeout -s KILL 90 env -u OPENBLAS_NUM_THREADS "$@") \
        > out.txt 2> err.txt < "${stdin:-/dev/null}"
    local got=$?
    if [ "$got" = 0 ]; then
        pass "$name under ulimit -v $kb: ran"
    elif { [ "$got" = 1 ] || [ "$got" = 2 ]; } && grep -q '^whiten' err.txt; then
        pass "$name under ulimit -v $kb: $(head -c 160 err.txt)"
    else
        fail "$name under ulimit -v $kb: exit $got (137: killed after 90 s, a hang); $(head -c 300 err.txt)"
    fi
}

for kb in 150000 230000 300000 400000 700000; do
    under $kb "fit" -- "$whiten" fit --data d.csv --state "f$kb.npz" --quiet
    under $kb "apply" -- "$whiten" apply --state s.npz --data d.csv --out "y$kb.csv" --quiet
    stdin=d.csv under $kb "stream" -- "$whiten" stream --state s.npz
    under $kb "simulate" -- "$whiten" simulate --n 20 --samples 3000 --out "m$kb.csv" --quiet
    under $kb "simulate n = 1500" -- "$whiten" simulate --n 1500 --samples 10 --quiet
    under $kb "flow" -- "$whiten" flow --n 5 --out "fl$kb.csv"
    under $kb "sweep --threads 2" -- "$whiten" sweep "$sweep" --out "sw$kb" --threads 2
    under $kb "reproduce --only E1" -- "$whiten" reproduce --only E1 --out "r$kb" --threads 1
done

# The refusals name the limit: what BLAS needs, and what 2 threads need.
under 150000 "fit" -- "$whiten" fit --data d.csv --state t.npz --quiet
grep -q "the address-space limit (ulimit -v) of 146 MB leaves no room for the 136 MB work buffer of BLAS" \
    err.txt && pass "the BLAS buffer's refusal names the limit" || fail "message: $(cat err.txt)"
under 300000 "sweep" -- "$whiten" sweep "$sweep" --out sw --threads 2
grep -q "sweep: --threads 2 needs 216 MB more address space" err.txt &&
    pass "--threads beyond the limit is refused" || fail "message: $(cat err.txt)"
# Without --threads, sweep takes the threads that fit.
under 300000 "sweep" -- "$whiten" sweep "$sweep" --out sw0
[ -s sw0/sweep.csv ] || [ -n "$(ls sw0)" ] && pass "sweep without --threads runs on what fits" ||
    fail "sweep without --threads wrote nothing: $(cat err.txt)"

echo "$failures failure(s)"
[ "$failures" = 0 ]
