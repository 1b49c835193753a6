#!/bin/bash
# Checkpoints of `whiten reproduce` (issue 7), end to end: a reproduction
# killed with SIGKILL at a random moment after its first checkpoint and
# resumed ends with the CSV files and REPORT.md of an uninterrupted run, byte
# for byte (REPORT.md but for its timing line, which says how long the
# computation took and in how many sessions); SIGTERM and SIGINT write a last
# checkpoint and exit 143 and 130; a checkpoint of other options, and a
# damaged one, are refused with a message and a non-zero status.
# usage: reproduce_checkpoint.sh WHITEN_EXECUTABLE
set -u
whiten=$1
py=/usr/bin/python3 # Debian's, as the other tests (python3 on PATH may be another one)
. "$(dirname "$0")/lib.sh"

# E2, E3 and E4: about 5 s in all here, in 4 sweeps of 21, 132, 2 and 48 runs.
only=E2,E3,E4
# An array, not a function: `f &` would fork a subshell, and $! would not be whiten's pid.
repro=(reproduce --quick --only "$only" --seed 3)
"$whiten" "${repro[@]}" --threads 2 --out ref > ref.log 2>&1 ||
    { cat ref.log; fail "uninterrupted reproduce"; }

# The folders hold the same CSV files and the same report but for its timing line.
same_results() { # folder
    local f ok=0
    for f in ref/*.csv; do
        cmp -s "$f" "$1/$(basename "$f")" || { echo "  $(basename "$f") differs"; ok=1; }
    done
    cmp -s <(grep -v ' s of computation' ref/REPORT.md) \
        <(grep -v ' s of computation' "$1/REPORT.md") || { echo "  REPORT.md differs"; ok=1; }
    return $ok
}
# The experiments finished and the runs done that a checkpoint holds.
holds() {
    "$py" -c '
import json, sys, zipfile
doc = json.loads(zipfile.ZipFile(sys.argv[1]).read("checkpoint.json"))
runs = sum(len(w["done"]) for w in doc["sweeps"])
print("experiments", ",".join(doc["finished"]) or "none", "finished and", runs, "runs done")
' "$1"
}

# 1. SIGKILL at a random moment after the first checkpoint, at most 1 s into a run of
#    about 2.7 s here (a run that ends first fails the test); the delay is printed
#    so that a failure can be replayed. Resumed on one thread: results must not
#    depend on the thread count either.
"$whiten" "${repro[@]}" --threads 2 --out kill --checkpoint ck.zip --checkpoint-every 10 \
    > kill.log 2>&1 &
kill_at_random $! ck.zip 1.0
[ "$status" = 137 ] ||
    fail "SIGKILL: exit $status, want 137 (0: the run ended before the kill): $(cat kill.log)"
echo "resuming a checkpoint with $(holds ck.zip)"
"$whiten" "${repro[@]}" --threads 1 --out kill --resume ck.zip > resume.log 2>&1 ||
    { cat resume.log; fail "resume after SIGKILL"; }
if same_results kill; then
    pass "SIGKILL after $kill_delay s, resumed on 1 thread: CSV files and REPORT.md identical"
else
    fail "SIGKILL + resume differs from the uninterrupted run"
fi
grep -q "over 2 sessions (resumed from a checkpoint)" kill/REPORT.md ||
    fail "the resumed report does not say it was resumed"

# 2. SIGTERM (143) and SIGINT (130): a last checkpoint at a unit boundary, no
#    report for an unfinished run, and a resume that finishes it.
#    The signal comes as soon as E2 has finished (its checkpoint appears), in E3.
for sig in TERM:143 INT:130; do
    name=${sig%:*} want=${sig#*:}
    rm -rf "sig$name" "sig$name.zip"
    "$whiten" "${repro[@]}" --threads 2 --out "sig$name" --checkpoint "sig$name.zip" > "sig$name.log" 2>&1 &
    pid=$!
    wait_for "sig$name.zip" || fail "SIG$name: no checkpoint appeared"
    kill -"$name" $pid
    wait $pid
    status=$?
    [ "$status" = "$want" ] ||
        fail "SIG$name: exit $status, want $want (0: the run ended first): $(cat "sig$name.log")"
    [ -e "sig$name/REPORT.md" ] && fail "SIG$name: a report was written for an unfinished run"
    grep -q "stopped by signal .*--resume sig$name.zip" "sig$name.log" ||
        fail "SIG$name: no message saying how to continue: $(cat "sig$name.log")"
    unzip -p "sig$name.zip" checkpoint.json | grep -q '"format":.*"whiten-reproduce-checkpoint"' ||
        fail "SIG$name: no final checkpoint"
    echo "SIG$name: checkpoint with $(holds "sig$name.zip")"
    "$whiten" "${repro[@]}" --threads 2 --out "sig$name" --resume "sig$name.zip" > /dev/null 2>&1 ||
        fail "SIG$name: resume"
    same_results "sig$name" && pass "SIG$name: exit $want, last checkpoint, resume identical" ||
        fail "SIG$name: resumed results differ"
done

# 3. A checkpoint of other options is refused (exit 2) naming the option.
refused() { # status-wanted needle description -- reproduce arguments
    local want=$1 needle=$2 what=$3
    shift 4
    "$whiten" reproduce "$@" > /dev/null 2> err.txt
    local status=$?
    if [ "$status" = "$want" ] && grep -q -- "$needle" err.txt; then
        pass "$what refused: $(head -c 150 err.txt)"
    else
        fail "$what: exit $status (want $want): $(cat err.txt)"
    fi
}
refused 2 "had seed = '3', this run has seed = '4'" "resume with another --seed" -- \
    --quick --only $only --seed 4 --out kill --resume ck.zip
refused 2 "had mode = 'quick', this run has mode = 'full'" "resume with --full" -- \
    --full --only $only --seed 3 --out kill --resume ck.zip
refused 2 "had only = 'E2,E3,E4', this run has only = 'E2,E3'" "resume with another --only" -- \
    --quick --only E2,E3 --seed 3 --out kill --resume ck.zip
refused 2 "had out = 'kill', this run has out = 'elsewhere'" "resume with another --out" -- \
    --quick --only $only --seed 3 --out elsewhere --resume ck.zip
[ -e elsewhere ] && fail "a refused resume created its --out folder"
refused 2 "takes no --checkpoint or --resume" "--report-only with --resume" -- \
    --report-only --only $only --out kill --resume ck.zip

# 4. Damaged checkpoints: refused (exit 1) with the file's name and the reason.
head -c 200 ck.zip > truncated.zip
refused 1 "truncated.zip: not a usable checkpoint: .*not a zip" "a truncated checkpoint" -- \
    --quick --only $only --seed 3 --out kill --resume truncated.zip
cp ck.zip flipped.zip
printf 'X' | dd of=flipped.zip bs=1 seek=120 conv=notrunc 2> /dev/null
refused 1 "flipped.zip: not a usable checkpoint: .*CRC-32" "a checkpoint with a damaged byte" -- \
    --quick --only $only --seed 3 --out kill --resume flipped.zip
echo "not a checkpoint" > text.zip
refused 1 "text.zip: not a usable checkpoint" "a text file as checkpoint" -- \
    --quick --only $only --seed 3 --out kill --resume text.zip
"$whiten" simulate --n 3 --samples 100 --quiet --save-state state.npz
refused 1 "state.npz: not a usable checkpoint: .*no entry 'checkpoint.json'" \
    "a simulate state file as checkpoint" -- \
    --quick --only $only --seed 3 --out kill --resume state.npz
# A sound zip whose JSON lists a unit twice (hand-edited, say).
"$py" - ck.zip edited.zip <<'PY'
import json, sys, zipfile
doc = json.loads(zipfile.ZipFile(sys.argv[1]).read("checkpoint.json"))
doc["sweeps"] = [{"experiment": "E3", "sweep": 0, "count": 132, "width": 2,
                  "done": [5, 5], "values": "0" * 64}]
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_STORED) as z:
    z.writestr("checkpoint.json", json.dumps(doc))
PY
refused 1 "edited.zip: not a usable checkpoint: .*increasing order" "a unit listed twice" -- \
    --quick --only $only --seed 3 --out kill --resume edited.zip
refused 1 "missing.zip: not a usable checkpoint: cannot open" "a missing checkpoint" -- \
    --quick --only $only --seed 3 --out kill --resume missing.zip

echo "$failures failure(s)"
[ "$failures" = 0 ]
