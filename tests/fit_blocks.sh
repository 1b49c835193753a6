#!/bin/bash
# `whiten fit` at n = 48, where it learns in blocks (wh_net_learn_block):
# the blocked fit equals the exact solver sample by sample (M within 1e-10);
# checkpoints (period 700: no multiple of the 64-sample chunk nor of the
# refresh period) never change its bits; and a fit killed with SIGKILL and
# resumed, with or without the period, ends byte-identical to one never
# checkpointed.
# usage: fit_blocks.sh WHITEN_EXECUTABLE PYTHON_WITH_NUMPY
set -u
whiten=$1
py=$2
. "$(dirname "$0")/lib.sh"

"$py" - <<'PY' || { echo "FAIL: making the data"; exit 1; }
import numpy as np
rng = np.random.default_rng(5)
n = 48
A = rng.standard_normal((n, n)) * np.linspace(0.3, 3.0, n)
np.save("X.npy", rng.standard_normal((3000, n)) @ A.T / np.sqrt(n))
PY

common=(fit --net interneuron --k 96 --data X.npy --eta 1e-3 --quiet)
"$whiten" "${common[@]}" --passes 2 --solver exact --state exact.npz || fail "exact fit"
"$whiten" "${common[@]}" --passes 2 --state fast.npz || fail "blocked fit"
"$py" - exact.npz fast.npz <<'PY' && pass "blocked fit equals the exact solver" || fail "blocked fit differs from the exact solver"
import sys
import numpy as np
a, b = (np.load(f)["M"] for f in sys.argv[1:3])
d = np.abs(a - b).max() / np.abs(a).max()
print(f"relative difference of M: {d:.3g}")
sys.exit(0 if d <= 1e-10 else 1)
PY

# Checkpoints never change the result: a fit with a checkpoint period of 700 (no
# multiple of the 64-sample chunk, nor of the refresh period 1000) ends with the state
# file of a fit without one, and its last periodic checkpoint of a 3000-sample pass is
# at 2816, the first chunk boundary at or after 2800.
"$whiten" "${common[@]}" --passes 1 --state plain.npz || fail "fit without checkpoints"
"$whiten" "${common[@]}" --passes 1 --state one.npz --checkpoint at.npz \
    --checkpoint-every 700 || fail "fit with a checkpoint period"
cmp -s plain.npz one.npz && pass "checkpointing does not change a blocked fit's bits" ||
    fail "a checkpointed fit ends differently from a plain one"
"$py" - at.npz <<'PY' && pass "last checkpoint at sample 2816 (due at 2800)" || fail "checkpoint not at sample 2816"
import json, sys
import numpy as np
meta = json.loads(bytes(np.load(sys.argv[1])["meta.json"]))
print("checkpoint at sample", meta["checkpoint"]["done"])
sys.exit(0 if meta["checkpoint"]["done"] == "2816" else 1)
PY

# Killed mid-run: long enough (60 passes, ~180 000 samples) to be caught running. The
# uninterrupted fit has no checkpoints; the resumed one is resumed once with the period
# and once without any, and both end byte-identical to it.
long=("${common[@]}" --passes 60)
"$whiten" "${long[@]}" --state full.npz || fail "uninterrupted fit"
"$whiten" "${long[@]}" --state part.npz --checkpoint ck.npz --checkpoint-every 700 &
pid=$!
wait_for ck.npz || fail "no checkpoint appeared"
sleep 0.05
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
status=$?
if [ "$status" != 137 ]; then
    fail "the fit was not killed mid-run (exit $status); make it longer"
elif [ -e part.npz ]; then
    fail "a killed fit left a state file"
else
    cp ck.npz ck2.npz
    "$whiten" "${long[@]}" --state part.npz --checkpoint ck.npz --checkpoint-every 700 \
        --resume ck.npz || fail "fit --resume"
    cmp -s full.npz part.npz && pass "SIGKILL mid-run, resume byte-identical at n = 48" ||
        fail "resumed state differs from the uninterrupted fit"
    "$whiten" "${long[@]}" --state part2.npz --resume ck2.npz || fail "fit --resume, no period"
    cmp -s full.npz part2.npz && pass "resumed without a checkpoint period: byte-identical" ||
        fail "a resume without the period differs"
fi

[ "$failures" = 0 ]
