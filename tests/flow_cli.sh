#!/bin/sh
# End-to-end check of `whiten flow`: the JSON report, the trajectory file and
# the exit statuses. usage: flow_cli.sh PATH_TO_WHITEN
set -eu
whiten=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Value of a numeric field of a one-line JSON object.
field() {
    sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" "$1"
}

"$whiten" flow --net interneuron --eigenvalues 0.5,2,8 --init-scale 100 --json > "$work/out.json"
cat "$work/out.json"
for key in net n init_scale eps convergence_time closed_form_time final_error; do
    grep -q "\"$key\":" "$work/out.json" || { echo "missing \"$key\""; exit 1; }
done
grep -q '"net":"interneuron"' "$work/out.json"
t=$(field "$work/out.json" convergence_time)
c=$(field "$work/out.json" closed_form_time)
# Interneurons from alpha = 100: T = (1/4) ln((1e4 - 0.5) 0.99 / (0.01 x 0.5)), the slowest mode.
awk -v t="$t" -v c="$c" 'BEGIN {
    want = 0.25 * log((10000 - 0.5) * 0.99 / (0.01 * 0.5));
    d1 = (t - c) / c; d2 = (c - want) / want;
    if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2;
    if (d1 > 1e-6 || d2 > 1e-12) { print "T_eps", t, "closed form", c, "want", want; exit 1 }
}'

# The trajectory: a header, a row every 0.5 from 0 to 3, eigenvalues falling towards sqrt(lambda).
"$whiten" flow --net direct --eigenvalues 0.5,2,8 --init-scale 10 --t-end 3 --every 0.5 \
    --out "$work/traj.csv" --json > /dev/null
head -n 1 "$work/traj.csv" | grep -qx 'time,whitening_error,m_1,m_2,m_3'
test "$(wc -l < "$work/traj.csv")" -eq 8
tail -n 1 "$work/traj.csv" | grep -q '^3,'
test -z "$(ls "$work" | grep -v -e '^out.json$' -e '^traj.csv$')" || { echo "temporary left behind"; exit 1; }

# A non-commuting start has no closed form.
"$whiten" flow --net direct --eigenvalues 0.5,2,8 --init-scale 3 --init-spread 1,2,3 --json \
    > "$work/rot.json"
! grep -q closed_form_time "$work/rot.json"

# Exit statuses: 1 when eps is not reached in time, 2 for a usage error.
set +e
# Past --t-max: with a closed form beyond it, both times are reported, named, exit 0;
# without a closed form (a rotated start) there is no answer: exit 1.
out=$("$whiten" flow --eigenvalues 0.5,2,8 --init-scale 100 --t-max 1 --json) ||
    { echo "t-max short of a known closed form should exit 0"; exit 1; }
/usr/bin/python3 - "$out" <<'PY' || exit 1
import json, sys
j = json.loads(sys.argv[1])
assert j["status"] == "WH_ETMAX" and j["integrated_time"] is None, j
assert j["convergence_time_from"] == "closed form", j
assert j["convergence_time"] == j["closed_form_time"] > j["t_max"], j
PY
"$whiten" flow --eigenvalues 0.5,2,8 --init-scale 100 --init-spread 1,0.5,0.3 --t-max 1 > /dev/null 2>&1
test $? -eq 1 || { echo "t-max too short without a closed form should exit 1"; exit 1; }
"$whiten" flow --eigenvalues 0.5,2,8 --init-scale 100 --max-steps 3 --json > "$work/stop.json" \
    2> "$work/err.txt"
test $? -eq 1 || { echo "too few steps should exit 1"; exit 1; }
grep -q '"status":"WH_EMAXSTEPS"' "$work/stop.json"
grep -q '"convergence_time":null' "$work/stop.json"
grep -q 'WH_EMAXSTEPS' "$work/err.txt"
"$whiten" flow --eigenvalues 0.5,2,8 --eps 1.5 2> "$work/err.txt"
test $? -eq 2 || { echo "bad --eps should exit 2"; exit 1; }
grep -q -- '--eps' "$work/err.txt"
"$whiten" flow --eigenvalues 0.5,2,8 --init-spread 1,2 2> "$work/err.txt"
test $? -eq 2 || { echo "short --init-spread should exit 2"; exit 1; }
grep -q -- '--init-spread' "$work/err.txt"
echo "whiten flow: ok"
