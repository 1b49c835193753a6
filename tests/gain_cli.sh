#!/bin/bash
# End-to-end tests of the gain circuits on the command line (issue 15): --net gain and
# gain-synapse in simulate, fit, apply and stream; the state file's W.npy and g.npy read by
# numpy; save, load, continue byte for byte (fit + apply --learn, simulate --resume and a
# SIGKILLed checkpointed run); every bad value of the new options refused with a message.
# usage: gain_cli.sh WHITEN_EXECUTABLE
set -u
whiten=$1
py=/usr/bin/python3
. "$(dirname "$0")/lib.sh"

$py - <<'PY' || fail "making the data"
import numpy as np
rng = np.random.default_rng(3)
A = rng.standard_normal((4, 4))
np.save("X.npy", rng.standard_normal((12000, 4)) @ A.T)
W = rng.standard_normal((4, 6))
np.save("frame.npy", W / np.linalg.norm(W, axis=0))
np.save("frame3.npy", W[:3])
PY

# --- both circuits learn, and the state file holds M = alpha I + W diag(g) W^T ------------
for net in gain gain-synapse; do
    "$whiten" fit --net "$net" --data X.npy --state "$net.npz" --passes 2 --eta 2e-3 --quiet ||
        fail "fit --net $net"
    $py - "$net.npz" "$net" <<'PY' && pass "$net: state file consistent" || fail "$net: state file"
import json, sys, numpy as np
z = np.load(sys.argv[1])
meta = json.loads(z["meta.json"])
assert meta["net"] == sys.argv[2], meta
M, W, g = z["M"], z["W"], z["g"]
K = {"gain": 10, "gain-synapse": 4}[sys.argv[2]]
assert W.shape == (4, K) and g.shape == (K,), (W.shape, g.shape)
assert np.abs(M - (meta["alpha"] * np.eye(4) + W @ np.diag(g) @ W.T)).max() < 1e-12
X = np.load("X.npy")
Y = np.linalg.solve(M, X.T).T
assert np.abs(np.cov(Y.T) - np.eye(4)).max() < 0.3, np.cov(Y.T)
PY
    # fit 1 pass, then apply --learn 1 pass == fit 2 passes, byte for byte.
    "$whiten" fit --net "$net" --data X.npy --state a.npz --passes 1 --eta 2e-3 --quiet &&
        "$whiten" apply --state a.npz --data X.npy --out Y.npy --learn --save-state b.npz &&
        cmp -s b.npz "$net.npz" && pass "$net: fit + apply --learn equals one longer fit" ||
        fail "$net: fit + apply --learn differs from one longer fit"
done

# n = 48: --solver auto runs gain modulation's fast path (conjugate gradients between
# refreshes); its state (the refresh's gains and M) goes to solver_state.npy, so the same
# fit + apply --learn is byte for byte too; without it, equal only up to rounding.
$py -c "
import numpy as np
rng = np.random.default_rng(5)
np.save('X48.npy', rng.standard_normal((3000, 48)) @ (rng.standard_normal((48, 48)) / 7).T)" ||
    fail "making the n = 48 data"
"$whiten" fit --net gain --data X48.npy --state g48.npz --passes 2 --eta 1e-3 --quiet &&
    "$whiten" fit --net gain --data X48.npy --state g48a.npz --passes 1 --eta 1e-3 --quiet &&
    "$whiten" apply --state g48a.npz --data X48.npy --out Y48.npy --learn --save-state g48b.npz &&
    $py -c "import json, numpy as np; z = np.load('g48b.npz'); assert json.loads(z['meta.json'])['solver'] == 'fast' and 'solver_state' in z.files" &&
    cmp -s g48b.npz g48.npz && pass "gain, fast path (n = 48): fit + apply --learn equals one longer fit" ||
    fail "gain, fast path (n = 48): fit + apply --learn differs from one longer fit"
$py - <<'PY' || fail "making a state whose solver_state.npy has other gains"
import io, zipfile, numpy as np
src, out = zipfile.ZipFile("g48a.npz"), zipfile.ZipFile("g48bad.npz", "w")
for name in src.namelist():
    data = src.read(name)
    if name == "solver_state.npy":
        a = np.load(io.BytesIO(data)); a[:5] *= 1.5
        buf = io.BytesIO(); np.save(buf, a); data = buf.getvalue()
    out.writestr(name, data)
out.close()
PY
rm -f Y48bad.npy
"$whiten" apply --state g48bad.npz --data X48.npy --out Y48bad.npy --learn 2>err.txt
[ $? = 1 ] && grep -q "solver_state.npy does not belong to this gain network (its gains" err.txt &&
    [ ! -e Y48bad.npy ] && pass "gain: a solver_state.npy with other gains than g.npy is refused" ||
    fail "gain: a foreign solver_state.npy: $(cat err.txt)"

# --- simulate: --resume and a SIGKILLed checkpoint continue byte for byte -------------
# (in a folder of its own: a SIGKILLed writer may leave its temporary file behind)
mkdir -p sim && cd sim || exit 1
sim=(simulate --net gain-synapse --n 4 --rotate --eta 5e-3 --eta-w 5e-4 --every 1000 --quiet)
"$whiten" "${sim[@]}" --samples 40000 --out full.csv --save-state full.npz || fail "simulate"
"$whiten" "${sim[@]}" --samples 40000 --checkpoint ck.npz --checkpoint-every 3000 \
    --out part.csv --save-state part.npz &
pid=$!
kill_at_random $pid ck.npz 0.3
if [ "$status" != 0 ]; then
    "$whiten" "${sim[@]}" --samples 40000 --resume ck.npz --out part.csv --save-state part.npz ||
        fail "resume from the checkpoint"
fi
cmp -s full.csv part.csv && cmp -s full.npz part.npz &&
    pass "gain-synapse: a SIGKILLed checkpointed simulate resumes to the same files" ||
    fail "gain-synapse: the resumed simulate differs"
cd .. || exit 1
"$whiten" simulate --net gain --n 4 --eta 0.05 --population --samples 3000 --json --quiet \
    >pop.json || fail "simulate --population"
$py -c "import json; j = json.load(open('pop.json')); assert j['net'] == 'gain' and j['final_error'] < 1e-8, j" &&
    pass "gain, population: whitened to $(grep final_error\" pop.json)" ||
    fail "gain population: $(cat pop.json)"

# --- stream, and a user's frame -----------------------------------------------------------
$py -c "import numpy as np; np.savetxt('X.csv', np.load('X.npy')[:2000], delimiter=',')"
"$whiten" stream --net gain --n 4 --frame frame.npy --eta 1e-3 <X.csv >Ys.csv &&
    [ "$(wc -l <Ys.csv)" = 2000 ] && pass "stream --net gain --frame frame.npy" ||
    fail "stream with a frame file"
"$whiten" fit --net gain --data X.npy --frame frame.npy --state f.npz --quiet &&
    $py -c "import numpy as np; z = np.load('f.npz'); assert (z['W'] == np.load('frame.npy')).all()" &&
    pass "the user's frame is kept as given" || fail "the user's frame"

# --- flow --net gain: g* realises C^1/2, whose eigenvalues are the square roots of C's --------
"$whiten" flow --net gain --eigenvalues 0.5,2,8 --eps 1e-9 --json >flow.json || fail "flow --net gain"
$py - <<'PY' && pass "flow --net gain: (I + W diag(g*) W^T)^2 has C's eigenvalues; g -> g*" || fail "flow g*: $(cat flow.json)"
import json, numpy as np
j = json.load(open("flow.json"))
n, K = j["n"], j["K"]
W = np.zeros((n, K)); W[:, :n] = np.eye(n); c = n
for a in range(n):
    for b in range(a + 1, n):
        W[a, c] = W[b, c] = np.sqrt(0.5); c += 1
M = j["alpha"] * np.eye(n) + W @ np.diag(j["g_star"]) @ W.T
assert np.allclose(np.linalg.eigvalsh(M @ M), [0.5, 2, 8], rtol=1e-12), np.linalg.eigvalsh(M @ M)
assert j["gain_gap"] < 1e-8 and j["convergence_time"] > 0, j
PY
expect_error 2 "so the closed form g* is not the fixed point: use --K 6" none -- \
    "$whiten" flow --net gain --eigenvalues 0.5,2,8 --K 3
expect_error 2 "option --net: the flow of gain-synapse has two time scales" none -- \
    "$whiten" flow --net gain-synapse --eigenvalues 0.5,2,8

# --- bad values -------------------------------------------------------------------------
expect_error 2 "option --net: expected 'direct', 'interneuron', 'gain' or 'gain-synapse', got 'gains'" S.npz -- \
    "$whiten" fit --net gains --data X.npy --state S.npz
expect_error 2 "option --alpha: expected a number in [0, 1e+12], got '-1'" S.npz -- \
    "$whiten" fit --net gain --alpha -1 --data X.npy --state S.npz
expect_error 2 "option --alpha: with alpha = 0 the gains start at 0 and M = 0 is singular" S.npz -- \
    "$whiten" fit --net gain --alpha 0 --data X.npy --state S.npz
expect_error 2 "option --eta-g: expected a number in [0, 1), got '1'" S.npz -- \
    "$whiten" fit --net gain --eta-g 1 --data X.npy --state S.npz
expect_error 2 "option --eta-w: expected a number in (0, 1), got '0'" S.npz -- \
    "$whiten" fit --net gain-synapse --eta-w 0 --data X.npy --state S.npz
expect_error 2 "option --eta-g: expected a number in [0, 1), got 'nan'" S.npz -- \
    "$whiten" fit --net gain --eta-g nan --data X.npy --state S.npz
expect_error 2 "option --frame: the pairs frame has K = n(n+1)/2 = 10 columns, but --K is 6" S.npz -- \
    "$whiten" fit --net gain --frame pairs --K 6 --data X.npy --state S.npz
expect_error 2 "option --frame: frame3.npy is 3 x 6; the network needs n = 4 rows" S.npz -- \
    "$whiten" fit --net gain --frame frame3.npy --data X.npy --state S.npz
expect_error 2 "option --frame: frame.npy is 4 x 6; the network needs n = 4 rows and --K columns" S.npz -- \
    "$whiten" fit --net gain --frame frame.npy --K 10 --data X.npy --state S.npz
expect_error 1 "nothere.npy" S.npz -- \
    "$whiten" fit --net gain --frame nothere.npy --data X.npy --state S.npz
expect_error 2 "option --solver: gains plus synapses have only the exact solver" S.npz -- \
    "$whiten" fit --net gain-synapse --solver fast --data X.npy --state S.npz
$py -c "import numpy as np; W = np.load('frame.npy'); W[:, 2] = 0; np.save('zero.npy', W)"
expect_error 2 "option --frame: a column of the frame is zero" S.npz -- \
    "$whiten" fit --net gain-synapse --frame zero.npy --data X.npy --state S.npz
expect_error 1 "n = 4096, K = 8390656 needs about" S.npz -- \
    "$whiten" simulate --net gain --n 4096 --samples 1 --save-state S.npz

expect_error 2 "option --frame applies to --net gain and gain-synapse only" S.npz -- \
    "$whiten" fit --net interneuron --frame pairs --data X.npy --state S.npz

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "0 failure(s)"
