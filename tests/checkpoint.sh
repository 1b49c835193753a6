#!/bin/bash
# Checkpoints of issue 7, end to end: a `simulate` killed with SIGKILL at a
# random moment and resumed from its last checkpoint ends with the same state
# file and the same metrics file, byte for byte, as a run never interrupted;
# SIGTERM and SIGINT write a last checkpoint and exit 143 and 130; `fit` does
# the same over a data file; a checkpoint of other options is refused.
# usage: checkpoint.sh WHITEN_EXECUTABLE
set -u
whiten=$1
. "$(dirname "$0")/lib.sh"

# Long enough (about 1.5 s plain on this machine, several under ASan) to be
# killed mid-run: every signal below arrives after the first periodic checkpoint
# (sample 50 000, under 2 % of the run), and a run that ends first is a failure,
# never a skip.
sim=(simulate --n 6 --spectrum 0.1:10 --rotate --eta 2e-3 --samples 3000000 --every 5000
     --seed 11 --quiet)
"$whiten" "${sim[@]}" --out full.csv --save-state full.npz || fail "uninterrupted simulate"

# A random moment after the first checkpoint exists; the delay is printed so a
# failure can be replayed.
"$whiten" "${sim[@]}" --out part.csv --save-state part.npz --checkpoint ck.npz \
    --checkpoint-every 50000 &
kill_at_random $! ck.npz 0.3
[ "$status" = 137 ] || fail "the run was not killed mid-run (exit $status); make it longer"
[ -e part.csv ] && fail "a killed run left its metrics file"
done_at=$(unzip -p ck.npz meta.json | grep -o '"done":[^,]*' | tr -dc 0-9)
echo "resuming at sample $done_at of 3000000"
"$whiten" "${sim[@]}" --out part.csv --save-state part.npz --checkpoint ck.npz \
    --checkpoint-every 50000 --resume ck.npz || fail "resume after SIGKILL"
if cmp -s full.csv part.csv && cmp -s full.npz part.npz; then
    pass "SIGKILL at sample ~$done_at, resumed: metrics and state byte-identical"
else
    fail "SIGKILL + resume differs from the uninterrupted run"
fi

# SIGTERM (143) and SIGINT (130): a last checkpoint at the sample reached.
for sig in TERM:143 INT:130; do
    name=${sig%:*} want=${sig#*:}
    rm -f sig.npz sig.csv sig_state.npz
    "$whiten" "${sim[@]}" --out sig.csv --save-state sig_state.npz --checkpoint sig.npz \
        --checkpoint-every 50000 &
    pid=$!
    wait_for sig.npz || fail "SIG$name: no periodic checkpoint appeared"
    kill -$name $pid
    wait $pid
    status=$?
    [ "$status" = "$want" ] || fail "SIG$name: exit $status, want $want (0: the run ended first)"
    [ -e sig.csv ] && fail "SIG$name: the metrics file was written for an unfinished run"
    unzip -p sig.npz meta.json | grep -q '"command":.*"simulate"' ||
        fail "SIG$name: no final checkpoint"
    "$whiten" "${sim[@]}" --out sig.csv --save-state sig_state.npz --resume sig.npz ||
        fail "SIG$name: resume"
    cmp -s full.csv sig.csv && cmp -s full.npz sig_state.npz &&
        pass "SIG$name: exit $want, final checkpoint, resume byte-identical"
    cmp -s full.csv sig.csv || fail "SIG$name: resumed metrics differ"
done

# fit: SIGTERM after the first periodic checkpoint, then --resume, gives the
# state file of an uninterrupted fit.
awk 'BEGIN { srand(5); for (i = 0; i < 20000; i++)
    printf "%.6f,%.6f,%.6f,%.6f\n", rand() - 0.5, 2 * (rand() - 0.5), rand() - 0.5 + 0.3 * (rand() - 0.5), 4 * (rand() - 0.5) }' > X.csv
fit=(fit --data X.csv --passes 20 --eta 1e-3 --quiet)
"$whiten" "${fit[@]}" --state fit_full.npz || fail "uninterrupted fit"
"$whiten" "${fit[@]}" --state fit_part.npz --checkpoint fck.npz --checkpoint-every 20000 &
pid=$!
wait_for fck.npz
kill -TERM $pid 2>/dev/null
wait $pid
status=$?
if [ "$status" = 143 ]; then
    "$whiten" "${fit[@]}" --state fit_part.npz --resume fck.npz || fail "fit --resume"
    cmp -s fit_full.npz fit_part.npz && pass "fit: SIGTERM 143, resume byte-identical" ||
        fail "fit: resumed state differs"
else
    fail "fit SIGTERM: exit $status, want 143 (0: the fit ended before the signal)"
fi

# A checkpoint resumed with a different --samples is refused, not misread.
"$whiten" "${sim[@]/3000000/2999999}" --resume ck.npz 2>err.txt
status=$?
[ "$status" = 2 ] && grep -q "a checkpoint of another problem: --samples is 2999999 here, 3000000 in the checkpoint" err.txt &&
    pass "checkpoint with other --samples refused" ||
    fail "other --samples: exit $status: $(cat err.txt)"

echo "$failures failure(s)"
[ "$failures" = 0 ]
