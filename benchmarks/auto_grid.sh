#!/bin/bash
# Does `--solver auto` run the fastest path, within 10 %, at every n (issue 15)?
#
# For each n of a grid, runs `whiten bench --n N --repeat R --no-sweep --json` (every exact
# and fast path of the four circuits at that n, one BLAS thread, on the same pre-generated
# data) in a release build, in several rounds: a round visits every n once, so the paths of
# one n are timed back to back and the rounds are spread over the whole run (this host has
# noise episodes in which a run goes 1.5x slower than the next). Each run holds
# /tmp/whiten-bench.lock, so no other benchmark times beside it, and the 1-minute load
# average is written next to it.
#
# Writes OUT/auto_grid.csv, one row per (circuit, n, path, round): samples/s of thread CPU
# time, the load average, whether AUTO runs that path; then OUT/auto_grid.md, per circuit
# and n: the path AUTO runs, the best path by its best-of-rounds rate, AUTO's best-of-rounds
# rate as a share of the best's, the same ratio round by round (its spread is the noise),
# and the load range. The direct minibatch row (another algorithm) and the gain circuit's
# random frame (not a path of the pairs frame's choice) are left out.
#
# usage: benchmarks/auto_grid.sh [OUT_DIR]           measure (default OUT_DIR: auto-grid)
#        benchmarks/auto_grid.sh --summary CSV...    the table of one or more CSVs (merged)
# environment: BUILD (release build folder, default /tmp/auto-rel; set up and built here
#   when missing), GRID (the n, default below), ROUNDS_SMALL / ROUNDS_MID / ROUNDS_LARGE
#   (rounds at n <= 32, 33..64, > 64; default 6, 4, 3), REPEAT (runs of each path a round,
#   back to back, the fastest kept: whiten bench --repeat; default 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
py=/usr/bin/python3

summary() { # CSV...
    "$py" - "$@" <<'PY'
import csv, sys
from collections import defaultdict

rows = [r for f in sys.argv[1:] for r in csv.DictReader(open(f))]
rate = defaultdict(list)                   # (circuit, n, path) -> rates by round
by_round = defaultdict(dict)               # (circuit, n, file-round) -> {path: rate}
load = defaultdict(list)                   # (circuit, n) -> load averages
auto = {}                                  # (circuit, n) -> path
for r in rows:
    key = (r["circuit"], int(r["n"]))
    rate[key + (r["path"],)].append(float(r["samples_per_s"]))
    by_round[key + (r["run"], r["round"])][r["path"]] = float(r["samples_per_s"])
    load[key].append(float(r["load1"]))
    if r["auto"] == "1":
        auto[key] = r["path"]
print("| circuit | n | rounds | AUTO runs | best path (best of rounds) | AUTO / best | "
      "AUTO / best, round by round | other path / AUTO (best of rounds) | load |")
print("|---|---:|---:|---|---|---:|---|---|---|")
order = {"direct": 0, "interneuron": 1, "gain": 2, "gain-synapse": 3}
for key in sorted(auto, key=lambda k: (order.get(k[0], 9), k[1])):
    paths = sorted({p for (c, n, p) in rate if (c, n) == key})
    best = {p: max(rate[key + (p,)]) for p in paths}
    top = max(paths, key=lambda p: best[p])
    a = auto[key]
    per_round = sorted(v[a] / max(v.values()) for k, v in by_round.items()
                       if k[:2] == key and a in v and len(v) == len(paths))
    others = ", ".join(f"{p} {best[p] / best[a]:.2f}" for p in paths if p != a) or "(one path)"
    spread = f"{per_round[0]:.2f}–{per_round[-1]:.2f}" if per_round else "-"
    l = load[key]
    print(f"| {key[0]} | {key[1]} | {len(per_round)} | {a} | {top} | "
          f"{best[a] / best[top]:.3f} | {spread} | {others} | {min(l):.1f}–{max(l):.1f} |")
PY
}

if [ "${1:-}" = "--summary" ]; then
    shift
    summary "$@"
    exit
fi

out=${1:-auto-grid}
build=${BUILD:-/tmp/auto-rel}
grid=${GRID:-"4 8 12 16 20 24 28 30 32 36 40 44 48 52 56 64 96 128 192 256"}
small=${ROUNDS_SMALL:-6} mid=${ROUNDS_MID:-4} large=${ROUNDS_LARGE:-3} repeat=${REPEAT:-1}
lock=/tmp/whiten-bench.lock

[ -d "$build" ] || meson setup "$build" "$repo" -Dbuildtype=release > /dev/null
ninja -C "$build" src/whiten > /dev/null
whiten=$build/src/whiten
mkdir -p "$out"
csv=$out/auto_grid.csv
run=$(date -u +%Y%m%dT%H%M%S)
[ -s "$csv" ] || echo "run,circuit,n,path,round,samples_per_s,load1,auto,time" > "$csv"

rounds_for() { # n
    if [ "$1" -le 32 ]; then echo "$small"; elif [ "$1" -le 64 ]; then echo "$mid"; else echo "$large"; fi
}
max=$small
[ "$mid" -gt "$max" ] && max=$mid
[ "$large" -gt "$max" ] && max=$large

json=$(mktemp)
trap 'rm -f "$json"' EXIT
echo "auto_grid: $whiten, n = $grid; rounds $small / $mid / $large, repeat $repeat; $(uptime)" >&2
for round in $(seq 1 "$max"); do
    list=$grid
    # Every other round from the largest n down, so no n always follows the same one.
    [ $((round % 2)) -eq 0 ] && list=$(echo "$grid" | tr ' ' '\n' | sort -rn | tr '\n' ' ')
    for n in $list; do
        [ "$round" -le "$(rounds_for "$n")" ] || continue
        flock "$lock" bash -c 'cut -d" " -f1 /proc/loadavg > "$1.load" &&
            OPENBLAS_NUM_THREADS=1 "$2" bench --n "$3" --repeat "$4" --no-sweep --json > "$1"' \
            _ "$json" "$whiten" "$n" "$repeat"
        "$py" - "$json" "$run" "$round" "$(cat "$json.load")" "$(date -u +%H:%M:%S)" >> "$csv" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
run, rnd, load, when = sys.argv[2:6]
def circuit(path):
    if path.startswith("interneuron-"):
        return "interneuron"
    if path in ("direct-exact", "direct-fast-cg"):
        return "direct"
    if path in ("gain-pairs", "gain-pairs-fast"):
        return "gain"
    return "gain-synapse" if path == "gain-synapse" else None
for r in b["results"] + b["gain_results"]:
    c = circuit(r["path"])
    if c is not None:
        print(f'{run},{c},{r["n"]},{r["path"]},{rnd},{r["samples_per_s"]:.6g},{load},'
              f'{int(r["auto"])},{when}')
PY
        rm -f "$json.load"
        echo "  round $round n = $n done, load $(cut -d' ' -f1 /proc/loadavg)" >&2
    done
done
summary "$csv" | tee "$out/auto_grid.md"
