#!/bin/bash
# `whiten bench` end to end (issue 19: cmd_bench.c had no test): one quick n, its JSON
# checked for what must hold whatever the machine's speed, the text table and the plot,
# and its usage errors.
# usage: bench.sh WHITEN_EXECUTABLE
set -u
whiten=$1
py=/usr/bin/python3
. "$(dirname "$0")/lib.sh"

"$whiten" bench --quick --n 8 --json > bench.json 2> bench.err || fail "bench --json: $(cat bench.err)"
$py - <<'PY' && pass "bench JSON: every path learns the same M, AUTO names a path, shares add up" || fail "bench JSON"
import json, math
b = json.load(open("bench.json"))
assert b["dgemm_flops_per_s"] > 0 and b["eta"] == 1e-3 and b["repeat"] == 1, b
s = b["sweep"]
assert s["seconds_1_thread"] > 0 and s["seconds_2_threads"] > 0, s
assert abs(s["speedup"] - s["seconds_1_thread"] / s["seconds_2_threads"]) < 1e-9 * s["speedup"], s
rows = b["results"]
assert rows and all(r["n"] == 8 and r["k"] == 16 for r in rows), rows
for r in rows:
    assert r["samples_per_s"] > 0 and r["samples"] > 0, r
    # Every path but the minibatch one computes the same online algorithm: M agrees with
    # the exact path's to rounding. Minibatch is another algorithm, close but not equal.
    if r["path"].endswith("minibatch"):
        assert 1e-8 < r["rel_diff_M"] < 1e-2, (r["path"], r["rel_diff_M"])
    else:
        assert 0 <= r["rel_diff_M"] < 1e-10, (r["path"], r["rel_diff_M"])
    assert r["flops_per_sample"] > 0 and r["bytes_per_sample"] > 0, r
    assert 0 < r["fraction_of_ceiling"], r
chosen = [r for r in rows if r["auto"]]
assert len(chosen) == 2, [r["path"] for r in chosen]  # one path per circuit
for r in chosen:
    if "auto_share_of_best" in r:
        circuit = r["path"].split("-")[0]
        best = max(q["samples_per_s"] for q in rows
                   if q["path"].split("-")[0] == circuit and not q["path"].endswith("minibatch"))
        assert abs(r["auto_share_of_best"] - r["samples_per_s"] / best) < 1e-9, r
        assert 0 < r["auto_share_of_best"] <= 1.0, r
# The gain circuits' rows: AUTO runs one path per circuit and frame, its share is its rate
# over the fastest row of that circuit and frame, and the exact rows carry their kernels.
gain = b["gain_results"]
assert {r["path"] for r in gain} == {"gain-pairs", "gain-pairs-fast", "gain-random",
                                     "gain-synapse"}, gain
assert all(r["n"] == 8 and r["samples_per_s"] > 0 and r["flops_per_sample"] > 0 for r in gain)
assert {r["K"] for r in gain if r["path"] != "gain-synapse"} == {36}, gain
group = lambda r: "synapse" if r["path"] == "gain-synapse" else r["path"].split("-")[1]
for g in ("pairs", "random", "synapse"):
    rows_g = [r for r in gain if group(r) == g]
    chosen = [r for r in rows_g if r["auto"]]
    assert len(chosen) == 1, (g, rows_g)
    best = max(r["samples_per_s"] for r in rows_g)
    assert abs(chosen[0]["auto_share_of_best"] - chosen[0]["samples_per_s"] / best) < 1e-9, chosen
    assert all(("auto_share_of_best" in r) == r["auto"] for r in rows_g), rows_g
for r in gain:
    assert ("cg_iterations" in r) == r["path"].endswith("-fast"), r
    assert ("kernel_seconds" in r) != r["path"].endswith("-fast"), r
PY

# --no-sweep: the same rows, no sweep in the JSON or the table.
"$whiten" bench --quick --n 4 --no-sweep --json > nosweep.json 2> nosweep.err ||
    fail "bench --no-sweep: $(cat nosweep.err)"
$py - <<'PY' && pass "bench --no-sweep: no sweep object, every row there" || fail "bench --no-sweep JSON"
import json
b = json.load(open("nosweep.json"))
assert "sweep" not in b, b.keys()
assert len(b["results"]) == 6 and len(b["gain_results"]) == 4, b
PY

"$whiten" bench --quick --n 8 --plot rates > table.txt 2> table.err || fail "bench --plot: $(cat table.err)"
grep -q "auto" table.txt && pass "the text table names AUTO's path" || fail "no AUTO in the table: $(head -5 table.txt)"
grep -q "^gain-synapse .* auto 100%$" table.txt && pass "the gain rows name AUTO's path and its share" ||
    fail "no AUTO share in the gain rows: $(grep gain- table.txt)"
head -c 8 rates.png | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" && [ -s rates.svg ] &&
    pass "bench --plot writes a PNG and an SVG" || fail "bench --plot files"

expect_error 2 "--repeat" none -- "$whiten" bench --repeat 0
expect_error 2 "--eta" none -- "$whiten" bench --eta 1
expect_error 2 "--n" none -- "$whiten" bench --n 5000
expect_error 2 "--bogus" none -- "$whiten" bench --bogus
"$whiten" bench --help | grep -q -- "--quick" && pass "bench --help" || fail "bench --help"
echo "$failures failures"
[ "$failures" -eq 0 ]
