#!/bin/bash
# Sweeps on a Slurm cluster (issue 18), end to end on a one-node cluster of
# this machine (scripts/slurm-local.sh): `whiten reproduce --quick` and a
# `whiten sweep` of 24+ runs over two circuits, each as a job array of 3
# tasks; one task is cancelled while it runs, the merge must name exactly the
# runs it had not done (and only that task to re-submit) and write nothing;
# the task re-submitted alone resumes from its shard file, and the merge then
# writes CSV files identical byte for byte to a `--threads 1` run on one
# machine (REPORT.md too, but for its timing line). The cluster is stopped on
# every exit, and no daemon it started may outlive the test.
# usage: slurm.sh WHITEN SLURM_LOCAL_SH SWEEP_JSON
# Skipped (77) when not root or without the Slurm packages.
set -u
whiten=$1 cluster=$2 sweep_file=${3:-}
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "skip: the local cluster's daemons run as root"; exit 77; }
for p in sbatch slurmctld slurmd munged; do
    command -v "$p" > /dev/null || [ -x "/usr/sbin/$p" ] ||
        { echo "skip: $p missing (scripts/setup.sh installs it)"; exit 77; }
done

stop_cluster() {
    [ -s "$work/cluster/pids" ] || return 0
    pids=$(awk '{ print $2 }' "$work/cluster/pids")
    "$cluster" stop "$work/cluster"
    for pid in $pids; do
        if kill -0 "$pid" 2> /dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status"; then
            fail "daemon $pid still runs after stop"
        fi
    done
}
trap 'stop_cluster; rm -rf "$work"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'; }

# munged serves only through folders every user may traverse.
chmod 711 "$work"
env=$("$cluster" start "$work/cluster") || { fail "the local cluster did not start"; exit 1; }
eval "$env"
pass "local cluster up ($(elapsed))"

# The folders hold the same CSV files (the same set, byte for byte; timing.csv, the
# seconds each run took, only the same number of lines) and the same report but for
# its timing line.
same_results() { # REF DIR REPORT
    local f ok=0
    [ "$(cd "$1" && ls ./*.csv)" = "$(cd "$2" && ls ./*.csv)" ] ||
        { echo "  the CSV files differ: $(ls "$1") / $(ls "$2")"; ok=1; }
    for f in "$1"/*.csv; do
        if [ "$(basename "$f")" = timing.csv ]; then
            [ "$(wc -l < "$f")" = "$(wc -l < "$2/timing.csv")" ] || { echo "  timing.csv"; ok=1; }
        else
            cmp -s "$f" "$2/$(basename "$f")" || { echo "  $(basename "$f") differs"; ok=1; }
        fi
    done
    cmp -s <(grep -v ' s of computation' "$1/$3") <(grep -v ' s of computation' "$2/$3") ||
        { echo "  $3 differs"; ok=1; }
    return $ok
}

# The runs a shard file holds, one "EXPERIMENT SWEEP RUN" a line (none if no file).
runs_of() {
    /usr/bin/python3 - "$1" <<'PY'
import json, os, sys, zipfile
if os.path.exists(sys.argv[1]):
    doc = json.loads(zipfile.ZipFile(sys.argv[1]).read("checkpoint.json"))
    for w in doc["sweeps"]:
        for i in w["done"]:
            print(w["experiment"], w["sweep"], i)
PY
}

# The runs a failed merge names as missing, the same way, from its messages.
missing_of() {
    sed -n 's/.*: missing from shard \([0-9]*\) of 3: \([^ ]*\) sweep \([0-9]*\) runs \(.*\)$/\1 \2 \3 \4/p' "$1" |
        while read -r shard id sweep runs; do
            for r in ${runs//,/ }; do echo "$shard $id $sweep $r"; done
        done
}

# One command as an array of 3 tasks, task 1 cancelled: while it runs, once its log shows
# STAGE (SIGTERM: it journals the runs it has done), or, with STAGE empty, before it starts
# (the array is submitted held, task 1 cancelled, the others released: runs of a second
# are over before a cancel could reach them). The merge must then name exactly the runs
# task 1 had not done; task 1 is re-submitted alone; the merge must then succeed.
# usage: array_round NAME OUT "COMMAND..." STAGE MERGE_COMMAND...
array_round() {
    local name=$1 out=$2 command=$3 stage=$4 hold=""
    shift 4
    [ -n "$stage" ] || hold=--hold
    sbatch --parsable --wait $hold --array=0-2 -o "$name-%a.log" --wrap "$command --shards 3" \
        > "$name.job" 2> "$name.sbatch" &
    local waiter=$! job=""
    wait_for "$name.job" && job=$(cut -d';' -f1 "$name.job")
    [ -n "$job" ] || { fail "$name: sbatch gave no job id: $(cat "$name.sbatch")"; return; }
    local n
    if [ -n "$stage" ]; then
        for n in $(seq 1 600); do
            grep -q "$stage" "$name-1.log" 2> /dev/null && break
            sleep 0.1
        done
    fi
    scancel "${job}_1"
    [ -n "$stage" ] || scontrol release "$job"
    wait $waiter
    local status=$?
    # A task cancelled while it ran fails the array (sbatch --wait returns the highest exit
    # code); one cancelled before it started does not count there.
    [ -z "$stage" ] || [ "$status" != 0 ] || fail "$name: sbatch --wait exit 0 with a task cancelled"
    [ -z "$stage" ] || grep -q "CANCELLED" "$name-1.log" ||
        fail "$name: task 1 was not cancelled: $(cat "$name-1.log")"
    runs_of "$out/shards/shard-1-of-3.zip" | sort > "$name.partial"
    echo "$name: array done ($(elapsed)); task 1 cancelled with $(wc -l < "$name.partial") runs journalled"

    "$whiten" "$@" --out "$out" > "$name.merge1.out" 2> "$name.merge1.err"
    status=$?
    [ "$status" = 1 ] || fail "$name: merge with a task missing: exit $status, want 1"
    ls "$out"/*.csv > /dev/null 2>&1 && fail "$name: a merge with runs missing wrote CSV files"
    [ -e "$out/REPORT.md" ] && fail "$name: a merge with runs missing wrote REPORT.md"
    missing_of "$name.merge1.err" | sort > "$name.missing"
    grep -q -- "--array=1 " "$name.merge1.err" ||
        fail "$name: the merge does not say to re-submit task 1: $(tail -n 2 "$name.merge1.err")"
    awk '$1 != 1' "$name.missing" | grep -q . && fail "$name: runs of another shard named missing"

    sbatch --wait --array=1 -o "$name-again-%a.log" --wrap "$command --shards 3" \
        > /dev/null 2> "$name.sbatch2" || fail "$name: task 1 re-submitted failed: $(cat "$name-again-1.log")"
    if [ -s "$name.partial" ]; then
        grep -q "going on from" "$name-again-1.log" || fail "$name: task 1 did not resume its file"
    fi
    # The oracle: what the finished shard file holds, less what it held when cancelled.
    runs_of "$out/shards/shard-1-of-3.zip" | sort > "$name.final"
    comm -23 "$name.final" "$name.partial" | sed 's/^/1 /' | sort > "$name.expected"
    if [ -s "$name.expected" ] && cmp -s "$name.expected" "$name.missing"; then
        pass "$name: the merge named exactly the $(wc -l < "$name.missing") runs task 1 had not done"
    else
        fail "$name: missing runs named: $(wc -l < "$name.missing"), want $(wc -l < "$name.expected")"
        diff "$name.expected" "$name.missing" | head
    fi
    "$whiten" "$@" --out "$out" > "$name.merge2.out" 2> "$name.merge2.err" ||
        { fail "$name: merge after the re-submission: $(tail -n 3 "$name.merge2.err")"; return; }
    echo "$name: merged ($(elapsed))"
}

# 1. whiten reproduce --quick.
"$whiten" reproduce --quick --threads 1 --out ref > ref.log 2>&1 ||
    { cat ref.log; fail "the unsharded reproduce"; }
echo "reference reproduce done ($(elapsed))"
array_round repro "$work/repro" "$whiten reproduce --quick --threads 1 --out $work/repro" \
    "E2 Convergence" reproduce --merge
if same_results ref "$work/repro" REPORT.md; then
    pass "reproduce: 3 array tasks, one cancelled and re-submitted: CSV files and REPORT.md identical"
else
    fail "reproduce: the merged files differ from the unsharded run's"
fi

# 2. whiten sweep: 36 tiny runs over two circuits.
"$whiten" sweep "$sweep_file" --threads 1 --out sweep-ref > sweep-ref.log 2>&1 ||
    { cat sweep-ref.log; fail "the unsharded sweep"; }
[ "$(($(wc -l < sweep-ref/runs.csv) - 1))" -ge 24 ] || fail "the sweep has fewer than 24 runs"
[ "$(cut -d, -f2 sweep-ref/runs.csv | sort -u | wc -l)" = 3 ] ||
    fail "the sweep does not cover two circuits"
array_round sweep "$work/sweep" "$whiten sweep $sweep_file --out $work/sweep" "" sweep --merge
if same_results sweep-ref "$work/sweep" SUMMARY.md; then
    pass "sweep: 3 array tasks, one cancelled and re-submitted: runs.csv, summary.csv and SUMMARY.md identical"
else
    fail "sweep: the merged files differ from the unsharded run's"
fi

stop_cluster
echo "cluster stopped ($(elapsed))"
echo "$failures failure(s)"
[ "$failures" = 0 ]
