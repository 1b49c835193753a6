#!/bin/bash
# `whiten fit` at n = 48, where it learns in blocks (wh_net_learn_block):
# the blocked fit equals the exact solver sample by sample (M within 1e-10),
# and a fit killed with SIGKILL and resumed from a checkpoint whose period
# (1000) is not a multiple of the block chunk (64) ends byte-identical to an
# uninterrupted one, and that period is honoured exactly.
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

# The checkpoint period is honoured exactly although it is no multiple of the chunk:
# a 3000-sample fit leaves its last periodic checkpoint at sample 2000 (without the
# clamp in chunk_end only multiples of lcm(64, 1000) = 8000 would be due).
"$whiten" "${common[@]}" --passes 1 --data X.npy --state one.npz --checkpoint at.npz \
    --checkpoint-every 1000 || fail "fit with a checkpoint period"
"$py" - at.npz <<'PY' && pass "checkpoint written at sample 2000 of a blocked fit" || fail "checkpoint not at sample 2000"
import json, sys
import numpy as np
meta = json.loads(bytes(np.load(sys.argv[1])["meta.json"]))
print("checkpoint at sample", meta["checkpoint"]["done"])
sys.exit(0 if meta["checkpoint"]["done"] == "2000" else 1)
PY

# Killed mid-run: long enough (60 passes, ~180 000 samples) to be caught running.
long=("${common[@]}" --passes 60)
"$whiten" "${long[@]}" --state full.npz || fail "uninterrupted fit"
"$whiten" "${long[@]}" --state part.npz --checkpoint ck.npz --checkpoint-every 1000 &
pid=$!
for _ in $(seq 1 2000); do [ -s ck.npz ] && break; sleep 0.005; done
sleep 0.05
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
status=$?
if [ "$status" != 137 ]; then
    fail "the fit was not killed mid-run (exit $status); make it longer"
elif [ -e part.npz ]; then
    fail "a killed fit left a state file"
else
    "$whiten" "${long[@]}" --state part.npz --resume ck.npz || fail "fit --resume"
    cmp -s full.npz part.npz && pass "SIGKILL mid-run, resume byte-identical at n = 48" ||
        fail "resumed state differs from the uninterrupted fit"
fi

[ "$failures" = 0 ]
