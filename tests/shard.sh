#!/bin/bash
# Shards and merges without a cluster (issue 18), cheap enough for the
# sanitizer build too: `whiten sweep` on 1 and 2 threads and as 3 shards gives
# the same runs.csv and summary.csv; its numbers keep the invariants the
# science gives (k does not change M, so k = n and k = 2n runs agree; a decaying
# rate ends below the constant rate's noise floor); `reproduce --only E2` as 2
# shards merges to the unsharded files; a merge with a shard missing names its
# runs and writes nothing; and every bad sweep file, shard option and mixture
# of shard files is refused with the reason and the right exit status.
# usage: shard.sh WHITEN SWEEP_JSON
set -u
whiten=$1 sweep_file=$2
. "$(dirname "$0")/lib.sh"
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT

# refused STATUS PATTERN WHAT -- ARGS...: whiten ARGS exits STATUS with PATTERN on stderr.
refused() {
    local want=$1 pattern=$2 what=$3
    shift 4
    "$whiten" "$@" > refused.out 2> refused.err
    local status=$?
    if [ "$status" = "$want" ] && grep -q -- "$pattern" refused.err; then
        pass "refused ($status): $what"
    else
        fail "$what: exit $status (want $want), stderr: $(cat refused.err)"
    fi
}

# 1. The sweep on 1 and 2 threads, and as 3 shards (one left out, then added).
"$whiten" sweep "$sweep_file" --out one --threads 1 > one.log 2>&1 || { cat one.log; fail "sweep"; }
"$whiten" sweep "$sweep_file" --out two --threads 2 > two.log 2>&1 || { cat two.log; fail "sweep"; }
cmp -s one/runs.csv two/runs.csv && cmp -s one/summary.csv two/summary.csv &&
    pass "sweep: the same runs.csv and summary.csv on 1 and 2 threads" ||
    fail "sweep: 1 and 2 threads differ"
# The grid: 2 schedules x 2 scales x 3 seeds for direct connections, times 2 k for
# interneurons: 12 + 24 rows; k is 0 for direct, n or 2n for interneurons.
[ "$(tail -n +2 one/runs.csv | wc -l)" = 36 ] || fail "runs.csv has $(tail -n +2 one/runs.csv | wc -l) rows, want 36"
[ "$(awk -F, 'NR > 1 { print $2 ":" $4 }' one/runs.csv | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
    = " 12 0:0; 12 1:3; 12 1:6;" ] || fail "runs.csv: circuits and k are not the grid's"
/usr/bin/python3 - one/runs.csv <<'PY' && pass "sweep: k = n and 2n agree to 1e-9; decay ends below the constant rate's floor" || fail "sweep: invariants"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
key = lambda r: (r["schedule"], r["init_scale"], r["seed"])
inter = {}
for r in rows:
    assert r["status"] == "0", r
    if r["circuit"] == "1":
        inter.setdefault(key(r), []).append(float(r["final_error"]))
# M does not depend on k (science.md §5.2): the same errors for k = n and k = 2n.
assert all(abs(a - b) <= 1e-9 * max(a, b) for a, b in inter.values()), inter
# A decaying rate settles below the noise floor of the constant one (alpha = 1 runs).
for r in rows:
    if r["schedule"] == "1" and r["init_scale"] == "1":
        assert float(r["final_error"]) < float(r["noise_floor"]), r
PY

for i in 0 2; do
    "$whiten" sweep "$sweep_file" --out sh --shard $i/3 > "sh$i.log" 2>&1 || fail "sweep shard $i: $(cat "sh$i.log")"
done
refused 1 "missing from shard 1 of 3: grid sweep 0 runs 0,3,6,9,12,15,18,21,24,27,30,33$" \
    "a sweep merge with shard 1 of 3 missing names its runs" -- sweep --merge --out sh
[ -e sh/runs.csv ] && fail "a merge with runs missing wrote runs.csv"
grep -q -- "--array=1 " refused.err || fail "the merge does not say to re-submit task 1"
"$whiten" sweep "$sweep_file" --out sh --shard 1/3 > sh1.log 2>&1 || fail "sweep shard 1"
"$whiten" sweep --merge --out sh > merge.log 2>&1 || fail "sweep merge: $(cat merge.log)"
cmp -s one/runs.csv sh/runs.csv && cmp -s one/summary.csv sh/summary.csv &&
    cmp -s <(grep -v 's of computation' one/SUMMARY.md) <(grep -v 's of computation' sh/SUMMARY.md) &&
    pass "sweep: 3 shards merge to the unsharded runs.csv, summary.csv and SUMMARY.md" ||
    fail "sweep: the merged files differ"

# 2. reproduce --only E2,E4,E5 as 2 shards (E4's runs read the threshold its noise-floor
#    sweep sets: a shard that computed only its own floors got other numbers; E5's floor
#    table was written from an uninitialised array in a shard).
"$whiten" reproduce --quick --only E2,E4,E5 --out ref > ref.log 2>&1 || fail "reproduce: $(cat ref.log)"
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$whiten" reproduce --quick --only E2,E4,E5 --out r2 \
    > r21.log 2>&1 || fail "reproduce shard 1 from the Slurm variables: $(cat r21.log)"
[ -s r2/shards/shard-1-of-2.zip ] || fail "no shard-1-of-2.zip from SLURM_ARRAY_TASK_ID=1 of 2"
refused 1 "missing from shard 0 of 2: E2 sweep 0 runs" "a reproduce merge with shard 0 missing" -- \
    reproduce --merge --out r2
[ -e r2/REPORT.md ] && fail "a reproduce merge with runs missing wrote REPORT.md"
SLURM_ARRAY_TASK_ID=0 "$whiten" reproduce --quick --only E2,E4,E5 --out r2 --shards 2 > r20.log 2>&1 ||
    fail "reproduce shard 0 with --shards: $(cat r20.log)"
"$whiten" reproduce --merge --out r2 > r2merge.log 2>&1 || fail "reproduce merge: $(cat r2merge.log)"
same=0
for f in ref/*.csv; do cmp -s "$f" "r2/$(basename "$f")" || { echo "  $f differs"; same=1; }; done
[ "$same" = 0 ] &&
    cmp -s <(grep -v 's of computation' ref/REPORT.md) <(grep -v 's of computation' r2/REPORT.md) &&
    pass "reproduce --only E2,E4,E5: 2 shards merge to the unsharded CSV files and REPORT.md" ||
    fail "reproduce: the merged files differ"
# A merge moves its files through the one safe writer (issue 16), not rename(): a
# 0600 file keeps its mode, a symlink is followed and kept (docs/bad-inputs.md row 108).
set -- r2/*.csv
first=$(basename "$1") second=$(basename "$2")
chmod 600 "r2/$first"
mv "r2/$second" "kept-$second" && ln -s "../kept-$second" "r2/$second"
echo stale > "kept-$second"
"$whiten" reproduce --merge --out r2 > r2merge2.log 2>&1 || fail "second merge: $(cat r2merge2.log)"
[ "$(stat -c %a "r2/$first")" = 600 ] && [ -L "r2/$second" ] &&
    cmp -s "ref/$first" "r2/$first" && cmp -s "ref/$second" "kept-$second" &&
    pass "a merge keeps a 0600 file's mode and writes through a symlink" ||
    fail "a merge replaced: mode $(stat -c %a "r2/$first"), link $(ls -l "r2/$second")"

# 3. Bad sweep files.
printf '{"circuits": ["direct"],\n "n": [3,]\n}\n' > broken.json
refused 2 "broken.json:2:10: not valid JSON" "a sweep file that is not JSON (line and column)" -- \
    sweep broken.json --out bad
bad_file() { # JSON PATTERN WHAT
    echo "$1" > bad.json
    refused 2 "$2" "$3" -- sweep bad.json --out bad
}
base='"circuits": ["direct"], "n": [3], "eta": [0.01], "init_scale": [1], "seeds": 2'
bad_file "{$base, \"etta\": 1}" '"etta": unknown key' "an unknown key"
bad_file "{\"circuits\": [\"gain-x\"], \"n\": [3], \"eta\": [0.01], \"init_scale\": [1], \"seeds\": 2}" \
    '"circuits": known circuits' "an unknown circuit"
bad_file '{"circuits": ["direct"], "n": [3], "eta": [0.7], "init_scale": [1], "seeds": 2}' \
    '"eta": every value must be a number in (0, 0.5]' "eta out of range"
bad_file '{"circuits": ["interneuron"], "n": [4], "k": [2], "eta": [0.01], "init_scale": [1], "seeds": 2}' \
    '"k": interneurons need k >= n; the grid has k = 2 at n = 4' "fewer interneurons than n"
bad_file "{$base, \"schedule\": [{\"kind\": \"decay\", \"gamma\": 1}]}" \
    '"schedule": a decay needs "tau"' "a decay without tau"
bad_file '{"circuits": ["direct"], "eta": [0.01], "init_scale": [1], "seeds": 2}' \
    '"n": missing' "no n"
bad_file '[1, 2]' 'must hold one JSON object' "a JSON list"
refused 2 "nofile.json: cannot open" "a sweep file that does not exist" -- sweep nofile.json --out bad
[ -e bad ] && fail "a refused sweep left its output folder"

# 4. Bad shard options and shard files.
refused 2 "'3/3' is not I/N" "--shard 3/3" -- sweep "$sweep_file" --out bad --shard 3/3
refused 2 "'x' is not I/N" "--shard x" -- reproduce --quick --out bad --shard x
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=1 refused 2 "a task re-submitted alone must be told" \
    "a re-submitted array task without --shards" -- sweep "$sweep_file" --out bad
refused 2 "SLURM_ARRAY_TASK_ID, which is not set" "--shards outside a Slurm array" -- \
    sweep "$sweep_file" --out bad --shards 3
refused 2 "it takes no --checkpoint" "a shard with --checkpoint" -- \
    reproduce --quick --only E2 --out bad --shard 0/2 --checkpoint ck.zip
refused 2 "give it only --out" "--merge with a sweep file" -- sweep "$sweep_file" --merge --out sh
# The sweep's outputs are checked against its inputs before the runs (issue 16, row 109).
mkdir -p alias && cp "$sweep_file" alias/runs.csv
refused 2 "options --out alias/runs.csv and FILE alias/runs.csv name the same file" \
    "a sweep output that is the sweep file" -- sweep alias/runs.csv --out alias
cmp -s "$sweep_file" alias/runs.csv || fail "the sweep file was overwritten"
refused 2 "options --checkpoint alias/summary.csv and --out alias/summary.csv name the same file" \
    "a sweep checkpoint that is one of its outputs" -- \
    sweep "$sweep_file" --out alias --checkpoint alias/summary.csv
refused 2 "give it only --out" "reproduce --merge with --only" -- reproduce --merge --only E2 --out r2
refused 1 "no shard files" "a merge of a folder without shard files" -- sweep --merge --out one
mkdir -p mixed/shards
cp sh/shards/shard-0-of-3.zip mixed/shards/ && cp r2/shards/shard-0-of-2.zip mixed/shards/
refused 1 "are shards of splits into 2 and 3" "shard files of two splits" -- sweep --merge --out mixed
rm -rf mixed && mkdir -p mixed/shards
cp sh/shards/shard-0-of-3.zip sh/shards/shard-1-of-3.zip mixed/shards/
sed 's/"seeds": 3/"seeds": 2/' "$sweep_file" > other.json
"$whiten" sweep other.json --out other --shard 2/3 > /dev/null 2>&1 || fail "a sweep shard of other.json"
cp other/shards/shard-2-of-3.zip mixed/shards/
refused 1 "are shards of different runs" "shard files of two sweeps" -- sweep --merge --out mixed
cp sh/shards/shard-1-of-3.zip mixed/shards/shard-2-of-3.zip
refused 1 "which belongs to shard 1 of 3" "a shard file under another shard's name" -- \
    sweep --merge --out mixed

# 5. The gain circuits as an axis of the grid: no k or init_scale axis for them (one run
# per seed whatever those list), their own K (n(n+1)/2 and n), and their runs shard and
# merge like the others. The gain circuit whitens (K = n(n+1)/2, science.md §7): from the
# error 9 of M = I it ends within twice its noise floor.
cat > gain.json <<'EOF2'
{"circuits": ["gain", "gain-synapse", "interneuron"], "n": [3], "k": ["n", "2n"],
 "eta": [0.01], "init_scale": [1, 2], "seeds": 2, "samples": 20000, "every": 100}
EOF2
"$whiten" sweep gain.json --out gain1 --threads 2 > gain1.log 2>&1 || fail "gain sweep: $(cat gain1.log)"
for i in 0 1; do
    "$whiten" sweep gain.json --out gainsh --shard $i/2 > gainsh.log 2>&1 || fail "gain sweep shard $i"
done
"$whiten" sweep --merge --out gainsh > gainm.log 2>&1 || fail "gain sweep merge: $(cat gainm.log)"
cmp -s gain1/runs.csv gainsh/runs.csv && cmp -s gain1/summary.csv gainsh/summary.csv &&
    pass "sweep: the gain circuits' runs shard and merge to the unsharded files" ||
    fail "sweep: the gain circuits' merged files differ"
/usr/bin/python3 - gain1/runs.csv <<'PY' && pass "sweep: gain and gain-synapse are axes (their K, no k or init_scale axis; gain whitens)" || fail "sweep: the gain circuits' rows"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    assert r["status"] == "0", r
    by.setdefault(r["circuit"], []).append(r)
assert sorted(by) == ["1", "2", "3"], sorted(by)
assert len(by["1"]) == 8 and len(by["2"]) == 2 and len(by["3"]) == 2, {c: len(v) for c, v in by.items()}
assert {r["k"] for r in by["2"]} == {"6"} and {r["k"] for r in by["3"]} == {"3"}, rows
assert all(r["init_scale"] == "nan" for r in by["2"] + by["3"]), rows
for r in by["2"]:
    final, floor = float(r["final_error"]), float(r["noise_floor"])
    assert math.isfinite(floor) and final < 2 * floor and final < 1, r
for r in by["3"]:
    assert math.isfinite(float(r["final_error"])) and float(r["final_error"]) < 9, r
PY
bad_file '{"circuits": ["gain-synapses"], "n": [3], "eta": [0.01], "init_scale": [1], "seeds": 2}' \
    '"circuits": known circuits are "direct", "interneuron", "gain", "gain-synapse"' \
    "an unknown circuit names the four"

echo "$failures failure(s)"
[ "$failures" = 0 ]
