#!/bin/bash
# Wall-clock of `whiten sweep benchmarks/sweep-bench.json` on the one-node Slurm cluster of
# scripts/slurm-local.sh: as 1 array task (the whole sweep, no merge) and as 2 array tasks
# plus the merge (the serial part), each REPEAT times, alternating. Writes
# benchmarks/cluster.csv (one row per measurement) and the per-run seconds of the last
# 1-task run (benchmarks/cluster_timing.csv); benchmarks/cluster_projection.py turns them
# into the projection of BENCHMARKS.md. Run as root from the source tree after a build:
#   benchmarks/cluster.sh [REPEAT]
set -eu
cd "$(dirname "$0")/.."
repeat=${1:-3}
whiten=$(pwd)/build/src/whiten
grid=$(pwd)/benchmarks/sweep-bench.json
work=$(mktemp -d /tmp/whiten-cluster-bench.XXXXXX)
chmod 711 "$work"
trap 'scripts/slurm-local.sh stop "$work/cluster" || true; rm -rf "$work"' EXIT
eval "$(scripts/slurm-local.sh start "$work/cluster")"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# Submit an array and wait for it by polling squeue every 0.1 s (sbatch --wait polls at
# growing intervals, which here rounded every run up to the same 42 s). Each task appends
# "start end" of its whiten command to $work/tasks-$name.
run_array() { # NAME ARRAY COMMAND
    local job
    job=$(sbatch --parsable --array="$2" -o "$work/%A-%a.log" \
        --wrap "s=\$(date +%s.%N); $3; e=\$(date +%s.%N); echo \$s \$e >> $work/tasks-$1")
    while [ -n "$(squeue -h -j "${job%%;*}" 2> /dev/null)" ]; do sleep 0.1; done
}
echo "tasks,round,array_s,tasks_span_s,first_start_s,merge_s,total_s,load1" > benchmarks/cluster.csv
for r in $(seq 1 "$repeat"); do
    for tasks in 1 2; do
        out=$work/s$tasks-$r
        load=$(cut -d' ' -f1 /proc/loadavg)
        t0=$(now)
        if [ "$tasks" = 1 ]; then
            run_array "$tasks-$r" 0 "$whiten sweep $grid --out $out --shard 0/1"
            array=$(since "$t0") merge=0
            cp "$out/timing.csv" benchmarks/cluster_timing.csv
        else
            run_array "$tasks-$r" 0-1 "$whiten sweep $grid --out $out --shards 2"
            array=$(since "$t0")
            t1=$(now)
            "$whiten" sweep --merge --out "$out" > /dev/null 2>&1
            merge=$(since "$t1")
        fi
        total=$(since "$t0")
        span=$(awk -v t0="$t0" 'NR == 1 || $1 < s { s = $1 } NR == 1 || $2 > e { e = $2 }
            END { printf "%.3f,%.3f", e - s, s - t0 }' "$work/tasks-$tasks-$r")
        echo "$tasks,$r,$array,$span,$merge,$total,$load" | tee -a benchmarks/cluster.csv
    done
done
cmp "$work/s1-1/runs.csv" "$work/s2-1/runs.csv" && echo "1 and 2 tasks: the same runs.csv"
