#!/bin/bash
# Real data (issue 14), end to end: centring (fit, apply, stream), the inverse,
# the initial scale taken from the data, and the refusals of the new options.
# Each check also runs the case that must fail its bounds (--no-center), so that
# the test shows it can fail.
# usage: data.sh WHITEN_EXECUTABLE PYTHON
set -u
whiten=$1 py=$2
. "$(dirname "$0")/lib.sh"

# expect STATUS NEEDLE NAME -- COMMAND...: exit status and NEEDLE on stderr.
expect() {
    local want=$1 needle=$2 name=$3
    shift 4
    "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" != "$want" ] || ! grep -qF -- "$needle" err.txt; then
        fail "$name: exit $got (want $want); stderr: $(cat err.txt)"
    else
        pass "$name"
    fi
}

# --- centring: means of order 10, a known covariance, n = 8, 10^5 rows -------
$py - <<'PY' || fail "making the data"
import numpy as np
rng = np.random.default_rng(3)
n = 8
Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
C = Q @ np.diag(np.logspace(-0.5, 1, n)) @ Q.T
mu = rng.uniform(-15, 15, n)
X = rng.standard_normal((100000, n)) @ np.linalg.cholesky(C).T + mu
np.save("X.npy", X)
PY
# outputs_white FILE: the outputs' mean within 0.05 of 0 and covariance within 0.05 of I.
outputs_white() {
    $py - "$1" <<'PY'
import sys, numpy as np
Y = np.load(sys.argv[1])
mean = np.abs(Y.mean(axis=0)).max()
err = np.linalg.norm(np.cov(Y.T, bias=True) - np.eye(Y.shape[1]), 2)
print(f"outputs: largest |mean| {mean:.3g}, ||cov - I||_2 {err:.3g}")
sys.exit(0 if mean <= 0.05 and err <= 0.05 else 1)
PY
}
fit=(fit --data X.npy --passes 3 --quiet)
"$whiten" "${fit[@]}" --state S.npz && "$whiten" apply --state S.npz --data X.npy --out Y.npy --quiet \
    || fail "fit + apply"
outputs_white Y.npy && pass "centred: outputs' mean within 0.05 of 0, covariance within 0.05 of I" \
    || fail "centred fit + apply: outputs not white"
"$whiten" "${fit[@]}" --state U.npz --no-center &&
    "$whiten" apply --state U.npz --data X.npy --out V.npy --quiet || fail "fit --no-center + apply"
outputs_white V.npy && fail "--no-center passed the bounds: the test cannot fail" \
    || pass "--no-center fails the same bounds"
# The state holds the exact mean; numpy reads it.
$py - <<'PY' && pass "mean.npy is the data's mean" || fail "mean.npy"
import json, numpy as np
z = np.load("S.npz")
meta = json.loads(z["meta.json"])
assert meta["center"] == {"window": 0, "count": "100000"}, meta
X = np.load("X.npy")
assert np.allclose(z["mean"], X.mean(axis=0), rtol=1e-14, atol=1e-12), z["mean"] - X.mean(axis=0)
assert "center" not in json.loads(np.load("U.npz")["meta.json"]) and "mean" not in np.load("U.npz")
PY

# --- the inverse: apply then apply --inverse returns the inputs ---------------
"$whiten" apply --state S.npz --data Y.npy --out Xback.npy --inverse --quiet || fail "apply --inverse"
$py - <<'PY' && pass "apply --inverse returns the inputs to 1e-10" || fail "inverse round trip"
import numpy as np
X, B = np.load("X.npy"), np.load("Xback.npy")
rel = np.linalg.norm(B - X) / np.linalg.norm(X)
print(f"relative difference {rel:.3g}")
assert rel <= 1e-10, rel
PY
# The bound can fail: mapped back through the uncentred fit's state (no mean to add back).
"$whiten" apply --state U.npz --data Y.npy --out Xwrong.npy --inverse --quiet &&
    $py -c 'import numpy as np; X, B = np.load("X.npy"), np.load("Xwrong.npy")
rel = np.linalg.norm(B - X) / np.linalg.norm(X); print(f"through another state: {rel:.3g}")
assert rel > 1e-10' && pass "... and a state without the mean misses it" ||
    fail "apply --inverse through another state met the bound: the test cannot fail"
expect 2 "--inverse maps outputs back with the saved network; it cannot --learn" "--inverse --learn refused" -- \
    "$whiten" apply --state S.npz --data Y.npy --out Z.npy --inverse --learn

# --- stream: mean and covariance switch halfway (n = 8) ---------------------
$py - <<'PY' || fail "making the switching stream"
import numpy as np
rng = np.random.default_rng(4)
n, T = 8, 40000
def cov(seed, lo, hi):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return Q @ np.diag(np.logspace(np.log10(lo), np.log10(hi), n)) @ Q.T
C = [cov(1, 0.1, 1), cov(2, 1, 10)]          # covariance x10 and rotated
m = rng.uniform(-10, 10, (2, n))             # and the mean moves
X = np.vstack([rng.standard_normal((T, n)) @ np.linalg.cholesky(C[i]).T + m[i] for i in (0, 1)])
X.astype("<f8").tofile("sw.f64")
np.save("sw_C.npy", np.array(C)); np.save("sw_m.npy", m)
PY
for opt in "" --no-center; do
    for rows in 40000 50000 60000 70000 80000; do
        head -c $((rows * 64)) sw.f64 |
            "$whiten" stream --n 8 --binary f64 $opt --save-state "sw$opt$rows.npz" >/dev/null ||
            fail "stream $opt $rows"
    done
done
# follows OPT: at the end of the first half and 10^4, 2 10^4, ... samples after the
# switch, the error ||M^-1 C M^-1 - I||_2 is under 0.3 against the current covariance,
# and the running mean within 0.15 standard deviations of the current mean.
follows() {
    $py - "$1" <<'PY'
import sys, numpy as np
C, m = np.load("sw_C.npy"), np.load("sw_m.npy")
ok = True
for rows in (40000, 50000, 60000, 70000, 80000):
    z = np.load(f"sw{sys.argv[1]}{rows}.npz")
    i = 0 if rows <= 40000 else 1
    P = np.linalg.inv(z["M"])
    err = np.linalg.norm(P @ C[i] @ P - np.eye(8), 2)
    off = np.max(np.abs(z["mean"] - m[i]) / np.sqrt(np.diag(C[i]))) if "mean" in z else np.inf
    print(f"after {rows} samples: error {err:.3g}, mean off by {off:.3g} sd")
    ok = ok and err < 0.3 and off < 0.15
sys.exit(0 if ok else 1)
PY
}
follows "" && pass "stream: the running mean and the whitening follow the switch (error < 0.3)" \
    || fail "stream does not follow the switch"
follows --no-center && fail "stream --no-center followed too: the test cannot fail" \
    || pass "stream --no-center fails the same bounds"
# The first centred output is 0: the first sample is its own mean.
echo "1.5,-0.25,2.385" | "$whiten" stream --n 3 >first.txt && [ "$(cat first.txt)" = "0,0,0" ] &&
    pass "stream: the first sample is its own mean" || fail "first centred output '$(cat first.txt)'"
# A state saved by stream continues bit for bit: in two runs equals in one.
head -c $((50000 * 64)) sw.f64 | tail -c $((10000 * 64)) |
    "$whiten" stream --state sw40000.npz --binary f64 --save-state two.npz >/dev/null
cmp -s two.npz sw50000.npz && pass "stream --state continues the mean and network bit for bit" \
    || fail "stream in two runs differs from one run"

# --- the default schedule converges on a stationary file (n = 16, 5 passes) --
$py - <<'PY'
import numpy as np
rng = np.random.default_rng(16)
n = 16
Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
C = Q @ np.diag(np.logspace(-1, 1, n)) @ Q.T
np.save("X16.npy", rng.standard_normal((20000, n)) @ np.linalg.cholesky(C).T + rng.uniform(-5, 5, n))
PY
# zca FILE: ||cov(Y) - I||_2 <= 0.05 and ||Y - Xc C^-1/2||_F / ||Xc C^-1/2||_F <= 0.03,
# C the file's covariance (the exact ZCA of the file).
zca() {
    $py - "$1" <<'PY'
import sys, numpy as np
X, Y = np.load("X16.npy"), np.load(sys.argv[1])
Xc = X - X.mean(axis=0)
w, V = np.linalg.eigh(Xc.T @ Xc / len(X))
Z = Xc @ V @ np.diag(w ** -0.5) @ V.T
err = np.linalg.norm(np.cov(Y.T, bias=True) - np.eye(16), 2)
dist = np.linalg.norm(Y - Z) / np.linalg.norm(Z)
print(f"error {err:.3g}, distance to exact ZCA {dist:.3g}")
sys.exit(0 if err <= 0.05 and dist <= 0.03 else 1)
PY
}
for net in interneuron direct; do
    "$whiten" fit --net $net --data X16.npy --state Z$net.npz >out.txt &&
        "$whiten" apply --state Z$net.npz --data X16.npy --out Y$net.npy --quiet || fail "fit $net"
    grep -q "20000 samples x 5 passes.*eta decaying" out.txt || fail "fit's defaults: $(cat out.txt)"
    zca Y$net.npy && pass "$net: default schedule, 5 passes: error <= 0.05, ZCA distance <= 0.03" \
        || fail "$net: the default schedule does not converge"
done
"$whiten" fit --data X16.npy --state Zc.npz --schedule constant --quiet &&
    "$whiten" apply --state Zc.npz --data X16.npy --out Yc.npy --quiet
zca Yc.npy && fail "a constant eta converged as well: the test cannot fail" \
    || pass "a constant eta stays at its noise floor"
# The state keeps the schedule; fit then apply --learn equals a longer fit, and a
# continuation can change eta and the schedule (not ignored).
$py -c 'import json, numpy as np; m = json.loads(np.load("Zinterneuron.npz")["meta.json"]);
assert m["schedule"] == {"kind": "decay", "tau": 1000, "gamma": 1, "start": "0"}, m' &&
    pass "the state keeps the schedule" || fail "schedule in the state"
"$whiten" fit --data X16.npy --state P1.npz --passes 1 --quiet &&
    "$whiten" fit --data X16.npy --state P2.npz --passes 2 --quiet &&
    "$whiten" apply --state P1.npz --data X16.npy --out Q.npy --learn --save-state P1b.npz --quiet
cmp -s P1b.npz P2.npz && pass "decaying fit + apply --learn == a fit of 2 passes, bit for bit" \
    || fail "apply --learn does not continue the schedule"
# The gain circuits keep a schedule too (their default is constant; decay on request).
for net in gain gain-synapse; do
    "$whiten" fit --net $net --data X.npy --state G1.npz --passes 1 --schedule decay --quiet &&
        "$whiten" fit --net $net --data X.npy --state G2.npz --passes 2 --schedule decay --quiet &&
        "$whiten" apply --state G1.npz --data X.npy --out Q.npy --learn --save-state G1b.npz --quiet
    cmp -s G1b.npz G2.npz && pass "$net: decaying fit + apply --learn == a fit of 2 passes" ||
        fail "$net: apply --learn does not continue the schedule"
done
"$whiten" apply --state P1.npz --data X16.npy --out Q.npy --learn --eta 2e-3 --schedule constant \
    --save-state P1c.npz --quiet
$py -c 'import json, numpy as np; m = json.loads(np.load("P1c.npz")["meta.json"]);
assert m["eta"] == 2e-3 and "schedule" not in m, m' && pass "apply --learn takes --eta and --schedule" \
    || fail "apply --learn ignored --eta or --schedule"
"$whiten" stream --state P1.npz --binary f64 --eta 5e-4 --save-state P1d.npz < /dev/null &&
    $py -c 'import json, numpy as np; assert json.loads(np.load("P1d.npz")["meta.json"])["eta"] == 5e-4' &&
    pass "stream --state takes --eta" || fail "stream --state ignored --eta"

# --- ridge: the suggested one works with the defaults (scikit-learn's digits) --
$py -c 'from sklearn.datasets import load_digits; import numpy as np
np.save("digits.npy", load_digits().data.astype(float))' || fail "load_digits"
"$whiten" fit --data digits.npy --state D.npz 2>err.txt && fail "digits not refused"
ridge=$(grep -o "e.g. --ridge [0-9.e+-]*" err.txt | awk '{print $3}')
for net in interneuron direct; do
    "$whiten" fit --net $net --data digits.npy --state D$net.npz --ridge "$ridge" 2>/dev/null >out.txt
    err=$(grep -o "whitening error on the data [0-9.e+-]*" out.txt | awk '{print $NF}')
    awk -v e="$err" 'BEGIN { exit !(e != "" && e <= 0.2) }' &&
        pass "digits, $net: the suggested --ridge $ridge gives error $err with the defaults" ||
        fail "digits, $net: the suggested --ridge $ridge leaves error '$err'"
done
# The state keeps the ridge, and apply --learn keeps adding it (at a constant eta, so
# that the pass counts): M's smallest eigenvalue holds; with --ridge 0 it falls.
$py -c 'import json, numpy as np; assert json.loads(np.load("Dinterneuron.npz")["meta.json"])["ridge"] > 0' &&
    pass "the state keeps the ridge" || fail "no ridge in the state"
for r in keep 0; do
    opt=(); [ $r = 0 ] && opt=(--ridge 0)
    "$whiten" apply --state Dinterneuron.npz --data digits.npy --out Dy.npy --learn --schedule constant \
        "${opt[@]}" --save-state Db$r.npz --quiet
done
$py -c 'import numpy as np
a, b, c = (np.linalg.eigvalsh(np.load(f)["M"])[0] for f in ("Dinterneuron.npz", "Dbkeep.npz", "Db0.npz"))
print(f"smallest eigenvalue of M {a:.3g}: {b:.3g} with the ridge kept, {c:.3g} without")
assert b >= 0.9 * a and c <= 0.75 * a' &&
    pass "apply --learn keeps the ridge: M's smallest eigenvalue holds (and falls without)" ||
    fail "apply --learn and the ridge"

# --- the initial scale from the data ----------------------------------------
"$whiten" fit --data X.npy --state A.npz --eta 1e-3 >out.txt || fail "fit with the default scale"
grep -q "init scale [0-9.]* (auto)" out.txt && pass "fit states the automatic initial scale" \
    || fail "no automatic initial scale in '$(cat out.txt)'"

# --- a sample the network refuses leaves the running mean as it was -----------
# (stream --on-bad skip): 1e300 diverges the network and is skipped; the mean over all
# samples (--center-window 0) is then the mean of the three good ones, (3, 4), count 3.
printf '1,2\n3,4\n1e300,1\n5,6\n' |
    "$whiten" stream --n 2 --eta 0.5 --on-bad skip --center-window 0 --save-state skipm.npz \
        >out.txt 2>err.txt
grep -qF "skipped 1 bad sample of 4" err.txt && [ "$(wc -l < out.txt)" = 3 ] &&
    $py -c 'import json, numpy as np; z = np.load("skipm.npz"); m = json.loads(z["meta.json"])
assert m["center"]["count"] == "3" and m["samples"] == "3", m
assert np.array_equal(z["mean"], [3.0, 4.0]), z["mean"]' &&
    pass "stream --on-bad skip: a skipped sample leaves the running mean untouched" ||
    fail "stream --on-bad skip and the mean: $(cat err.txt)"

# --- a resume cannot change the centring or the schedule ---------------------
# fit and simulate checkpoints record --no-center, --schedule, --tau, --gamma and
# --init-scale: a resume with another is refused naming it; with the same ones it
# gives the uninterrupted run's state.
"$whiten" fit --data X16.npy --state R.npz --passes 2 --checkpoint rck.npz \
    --checkpoint-every 10000 --quiet || fail "fit with checkpoints"
for change in "--no-center|--no-center is given here, not given" \
    "--schedule constant|--schedule is constant here, decay" \
    "--tau 500|--tau is 500 here, 0" "--gamma 0.75|--gamma is 0.75 here, 1" \
    "--init-scale 1|--init-scale is 1 here, auto"; do
    expect 2 "rck.npz: a checkpoint of another problem: ${change#*|} in the checkpoint" \
        "fit --resume with ${change%%|*} refused" -- \
        "$whiten" fit --data X16.npy --state R2.npz --passes 2 --resume rck.npz ${change%%|*} --quiet
done
"$whiten" fit --data X16.npy --state R2.npz --passes 2 --resume rck.npz --quiet &&
    cmp -s R.npz R2.npz && pass "fit --resume with the same options: the same state" ||
    fail "fit --resume with the same options"
"$whiten" simulate --data X16.npy --samples 20000 --checkpoint sck.npz --checkpoint-every 5000 \
    --schedule decay --quiet || fail "simulate --data with checkpoints"
for change in "--no-center|--no-center is given here, not given" \
    "--schedule constant|--schedule is constant here, decay" "--tau 50|--tau is 50 here, 0"; do
    expect 2 "sck.npz: a checkpoint of another problem: ${change#*|} in the checkpoint" \
        "simulate --resume with ${change%%|*} refused" -- \
        "$whiten" simulate --data X16.npy --samples 20000 --resume sck.npz --schedule decay \
        ${change%%|*} --quiet
done

# --- fit --average: the Polyak-Ruppert average of M over the last part of a fit --
# Oracle: the same fit in pieces, a fit of the first 1536 rows, then apply --learn over
# each following 64-row chunk, saving M after each; the mean of those 8 M's is what
# --average 0.25 of the 2048-row fit must hold (fit learns in 64-sample chunks).
$py - <<'PY'
import numpy as np
rng = np.random.default_rng(64)
X = rng.standard_normal((2048, 4)) @ rng.standard_normal((4, 4)).T
np.save("avg.npy", X); np.save("avg_head.npy", X[:1536])
for j in range(8):
    np.save(f"avg_c{j}.npy", X[1536 + 64 * j:1536 + 64 * (j + 1)])
PY
for net in direct interneuron gain; do
    opts=(--net $net --passes 1 --no-center --eta 0.01 --quiet)
    "$whiten" fit "${opts[@]}" --data avg.npy --state PR.npz --average 0.25 &&
        "$whiten" fit "${opts[@]}" --data avg_head.npy --state H0.npz || fail "$net: fit --average"
    for j in 0 1 2 3 4 5 6 7; do
        "$whiten" apply --state H$j.npz --data avg_c$j.npy --out q.npy --learn \
            --save-state H$((j + 1)).npz --quiet || fail "$net: apply --learn chunk $j"
    done
    $py - <<'PY' && pass "$net: --average 0.25 holds the mean of the last 8 chunks' M" ||
import numpy as np
Ms = [np.load(f"H{j}.npz")["M"] for j in range(1, 9)]
Mbar, got, last = np.mean(Ms, axis=0), np.load("PR.npz")["M"], Ms[-1]
off, last_off = (np.abs(m - Mbar).max() / np.abs(Mbar).max() for m in (got, last))
print(f"--average against the oracle: {off:.2g} relative; the last M itself: {last_off:.2g}")
assert off <= 1e-10 and last_off >= 1e-4, (off, last_off)
PY
        fail "$net: --average is not the mean of the snapshots"
done
# Its effect at a constant eta on X16 (n = 16): the average hovers far less than M.
"$whiten" fit --data X16.npy --state Kc.npz --schedule constant --quiet &&
    "$whiten" fit --data X16.npy --state Ka.npz --schedule constant --average 0.5 --quiet &&
    "$whiten" apply --state Kc.npz --data X16.npy --out Kc.npy --quiet &&
    "$whiten" apply --state Ka.npz --data X16.npy --out Ka.npy --quiet || fail "constant eta fits"
zca Kc.npy; zca Ka.npy && pass "constant eta with --average 0.5 meets the bounds a constant eta misses" ||
    fail "--average did not settle a constant eta"
expect 2 "option --average: not with --checkpoint" "--average with --checkpoint refused" -- \
    "$whiten" fit --data X16.npy --state Z.npz --average 0.5 --checkpoint ck.npz
expect 2 "option --average: gains plus synapses have no average network" \
    "--average with gain-synapse refused" -- \
    "$whiten" fit --net gain-synapse --data X16.npy --state Z.npz --average 0.5
expect 2 "option --average: expected a number in [0, 1], got '1.5'" "--average 1.5 refused" -- \
    "$whiten" fit --data X16.npy --state Z.npz --average 1.5

# --- channels by number (from 0) and by the CSV header's names ----------------
$py - <<'PY'
import numpy as np
rng = np.random.default_rng(1)
X = rng.standard_normal((500, 5)); X[:, 2] = 0; X[:, 4] = X[:, 1]
np.savetxt("eeg.csv", X, delimiter=",", header='Fp1,Fz,"Cz",Pz,Oz', comments="")
np.savetxt("eegs.txt", X, delimiter=" ", header="Fp1 Fz Cz Pz Oz", comments="# recorded\n")
np.savetxt("eeg_nohead.csv", X, delimiter=",")
Y = rng.standard_normal((500, 3)); Y[:, 2] = Y[:, 0] + Y[:, 1] + 1e-7 * rng.standard_normal(500)
np.savetxt("lr.csv", Y, delimiter=",", header="left,right,sum", comments="")
PY
for f in eeg.csv eegs.txt; do
    expect 1 "channel 2 ('Cz') is all zeros; channels 1 ('Fz') and 4 ('Oz') are equal (channels counted from 0)" \
        "fit $f: channels named by the header as well as numbered from 0" -- \
        "$whiten" fit --data $f --state nm.npz
done
expect 1 "channel 2 ('Cz') is all zeros; channels 1 ('Fz') and 4 ('Oz') are equal" \
    "simulate --data: channels named" -- "$whiten" simulate --data eeg.csv --samples 100
expect 1 "channel 2 is all zeros; channels 1 and 4 are equal (channels counted from 0)" \
    "a file without a header: channels by number only" -- \
    "$whiten" fit --data eeg_nohead.csv --state nm.npz
expect 1 "the direction of least variance is 33 % channel 0 ('left') + 33 % channel 1 ('right') + 33 % channel 2 ('sum')" \
    "the direction of least variance by name" -- "$whiten" fit --data lr.csv --state nm.npz

# --- the data's scale: x 1e-3 and x 1e3 with the defaults, and the advice --
$py - <<'PY'
import numpy as np
rng = np.random.default_rng(5)
n = 8
Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
C = Q @ np.diag(np.logspace(-1, 1, n)) @ Q.T
X = rng.standard_normal((20000, n)) @ np.linalg.cholesky(C).T
for s in (1e-3, 1e3):
    np.save(f"scale{s:g}.npy", X * s)
PY
# fit_error FILE OPTIONS...: the whitening error fit reports.
fit_error() {
    local data=$1; shift
    "$whiten" fit --data "$data" --state sc.npz "$@" 2>err.txt |
        grep -o "whitening error on the data [0-9.e+-]*" | awk '{print $NF}'
}
for s in 0.001 1000; do
    e=$(fit_error scale$s.npy)
    awk -v e="$e" 'BEGIN { exit !(e != "" && e <= 0.05) }' &&
        pass "interneuron, data x $s, every default (--init-scale auto): error $e <= 0.05" ||
        fail "interneuron, data x $s: error '$e'"
done
e=$(fit_error scale1000.npy --init-scale 1)
awk -v e="$e" 'BEGIN { exit !(e != "" && e > 0.05) }' &&
    grep -qF "the initial M0 = 1 I is far from the data's scale" err.txt &&
    pass "data x 1000 from --init-scale 1 fails the bound (error $e), and the warning says why" ||
    fail "data x 1000, --init-scale 1: error '$e'; $(cat err.txt)"
# The direct network at x 1e-3 cannot keep M positive definite at eta 1e-3: the advice is a
# smaller eta (or rescaling), never a larger initial scale.
expect 1 "give --eta well below it (e.g. --eta 3.2e-06) or rescale the data; a larger initial scale would not help" \
    "direct, data x 0.001: the divergence advice is a smaller eta" -- \
    "$whiten" fit --net direct --data scale0.001.npy --state sc.npz
! grep -qF -- "--init-scale" err.txt && pass "... and does not suggest another initial scale" ||
    fail "the advice suggests an initial scale: $(cat err.txt)"
# At x 1e3 it learns too slowly to converge: the warning says to rescale (not 'larger scale').
fit_error scale1000.npy --net direct >/dev/null
grep -qF "the direct network learns in a time proportional to the data's scale (sqrt(lambda_max) = 3.16e+03), so it has not converged: divide the data by about 3.16e+03" err.txt &&
    pass "direct, data x 1000: the warning says to rescale the data" ||
    fail "direct, data x 1000: $(cat err.txt)"
# A too large eta: the advice is a smaller eta, whichever network.
expect 1 "the direct network moves M's eigenvalues by about eta = 0.9 per sample" \
    "direct, eta 0.9: divergence advice names eta" -- \
    "$whiten" fit --net direct --eta 0.9 --data X16.npy --state sc.npz
grep -qF "a larger initial scale would not help" err.txt && ! grep -qF -- "give --init-scale" err.txt &&
    pass "... a smaller eta, not a larger initial scale" || fail "eta 0.9 advice: $(cat err.txt)"
fit_error X16.npy --eta 0.9 >/dev/null
grep -qF "eta = 0.9 is large: the estimate hovers at a noise floor that grows with eta; give a smaller --eta" err.txt &&
    pass "interneuron, eta 0.9: the warning says a smaller eta" || fail "interneuron eta 0.9: $(cat err.txt)"
# A too small initial scale: that advice names the initial scale.
expect 1 "the initial M0 = 0.001 I is small against the data" "direct, --init-scale 1e-3: advice names the initial scale" -- \
    "$whiten" fit --net direct --init-scale 1e-3 --data X16.npy --state sc.npz
rm -f sc.npz

# --- bad inputs (docs/bad-inputs.md) -----------------------------------------
$py - <<'PY'
import io, zipfile, numpy as np
with zipfile.ZipFile("S.npz") as z:
    members = {name: z.read(name) for name in z.namelist()}
with zipfile.ZipFile("badmean.npz", "w") as z:
    for name, data in members.items():
        if name == "mean.npy":
            buf = io.BytesIO(); np.save(buf, np.zeros(5)); data = buf.getvalue()
        z.writestr(name, data)
PY
expect 1 "badmean.npz: mean.npy is 5 x 1; meta.json says 8 x 1" "a state whose mean has the wrong length" -- \
    "$whiten" apply --state badmean.npz --data X.npy --out Z.npy
expect 2 "option --init-scale: expected 'auto' or a number in (0, 1e12], got '-2'" "--init-scale -2 refused" -- \
    "$whiten" fit --data X.npy --state Z.npz --init-scale -2
expect 2 "option --center-window: expected 0 or a number of samples >= 1, got 0.5" "--center-window 0.5 refused" -- \
    "$whiten" stream --n 3 --center-window 0.5
expect 2 "options --save-state, --eta, --ridge, --center-window and --schedule need --learn" "apply --eta without --learn refused" -- \
    "$whiten" apply --state S.npz --data X.npy --out Z.npy --eta 1e-4
expect 2 "option --tau: expected a number in [0, 1e+15], got '-5'" "a negative --tau refused" -- \
    "$whiten" fit --data X.npy --state Z.npz --tau -5
expect 2 "option --gamma: expected a number in (0.5, 1], got '0.5'" "--gamma 0.5 refused" -- \
    "$whiten" fit --data X.npy --state Z.npz --gamma 0.5
expect 2 "option --gamma: expected a number in (0.5, 1], got '1.5'" "--gamma 1.5 refused" -- \
    "$whiten" stream --n 3 --gamma 1.5
expect 2 "option --schedule: expected 'constant' or 'decay', got 'cosine'" "an unknown --schedule refused" -- \
    "$whiten" fit --data X.npy --state Z.npz --schedule cosine
# A state whose schedule is out of range is refused by the reader.
$py - <<'PY'
import io, json, zipfile
with zipfile.ZipFile("P1.npz") as z:
    members = {name: z.read(name) for name in z.namelist()}
for name, schedule in (("badtau.npz", {"kind": "decay", "tau": -1, "gamma": 1, "start": "0"}),
                       ("badkind.npz", {"kind": "cosine"})):
    meta = json.loads(members["meta.json"])
    meta["schedule"] = schedule
    with zipfile.ZipFile(name, "w") as z:
        for member, data in members.items():
            z.writestr(member, json.dumps(meta) if member == "meta.json" else data)
PY
expect 1 "badtau.npz: meta.json: \"tau\" must be a number in [0, 1e+300]" "a saved schedule with tau < 0 refused" -- \
    "$whiten" apply --state badtau.npz --data X16.npy --out Z.npy
expect 1 "badkind.npz: meta.json: schedule \"kind\" must be \"constant\" or \"decay\"" "a saved schedule of another kind refused" -- \
    "$whiten" apply --state badkind.npz --data X16.npy --out Z.npy
[ ! -e Z.npz ] && [ ! -e Z.npy ] && pass "refusals wrote nothing" || fail "a refusal wrote a file"

[ "$failures" = 0 ] || exit 1
