#!/bin/bash
# Robust numerics of issue 7, end to end: singular and ill-conditioned data
# get a diagnosis naming the channels (exit 1), --ridge proceeds, divergence
# names its cure, impossible sizes are refused before allocation, and the same
# seed gives the same bytes across runs and BLAS thread counts.
# usage: robust.sh WHITEN_EXECUTABLE
set -u
whiten=$1
. "$(dirname "$0")/lib.sh"

# Files in the work folder other than the captured output.
files() { ls -A | grep -v '^\(out\|err\)\.txt$'; }

# Every phrase of NEEDLE (phrases separated by " ... ") is in err.txt.
has_phrases() {
    local rest=$1
    while [ -n "$rest" ]; do
        grep -qF -- "${rest%% ... *}" err.txt || return 1
        [ "$rest" = "${rest#* ... }" ] && return 0
        rest=${rest#* ... }
    done
}

# expect STATUS NEEDLE NAME -- COMMAND...: exit status and the phrases of NEEDLE
# on stderr; a refusal (STATUS not 0) must leave no new file behind. (The data
# come from awk's rand(), which differs between awks: needles hold no eigenvalue.)
expect() {
    local want=$1 needle=$2 name=$3
    shift 4
    local before
    before=$(files)
    "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" != "$want" ] || ! has_phrases "$needle"; then
        fail "$name: exit $got (want $want); stderr: $(cat err.txt)"
    elif [ "$want" != 0 ] && [ "$(files)" != "$before" ]; then
        fail "$name: a refusal left a file behind: $(files | tr '\n' ' ')"
    else
        pass "$name"
    fi
}

# Columns: a, b, an all-zero channel, c, and b again (channels 2 and 5 equal).
awk 'BEGIN { srand(1); for (i = 0; i < 2000; i++) { a = rand() - .5; b = rand() - .5; c = rand() - .5;
    printf "%.9f,%.9f,0,%.9f,%.9f\n", a, b, c, b } }' > dup.csv
# Third channel 1e-5 (condition ~1e10) or 1e-7 (~1e14) of the others.
for s in 1e-5:c10 1e-7:c14; do
    awk -v s=${s%:*} 'BEGIN { srand(2); for (i = 0; i < 2000; i++)
        printf "%.9f,%.9f,%.9g\n", rand() - .5, rand() - .5, s * (rand() - .5) }' > ${s#*:}.csv
done
awk 'BEGIN { srand(3); for (i = 0; i < 2000; i++) printf "%.9f,%.9f,5\n", rand() - .5, rand() - .5 }' > const.csv
# Third channel the sum of the others plus noise 1e-7: no channel to blame alone.
awk 'BEGIN { srand(2); for (i = 0; i < 2000; i++) { a = rand() - .5; b = rand() - .5
    printf "%.9f,%.9f,%.12g\n", a, b, a + b + 1e-7 * (rand() - .5) } }' > mix.csv
awk 'BEGIN { srand(4); for (i = 0; i < 2000; i++) printf "%.9f,%.9f\n", 3 * (rand() - .5), rand() - .5 }' > ok.csv

fit=(fit --state s.npz --eta 1e-3 --quiet)
expect 1 "dup.csv: the data's covariance C = (X - mean)^T (X - mean) / T is singular ... (numerical rank 3 of 5, condition number inf); channel 2 is all zeros; channels 1 and 4 are equal (channels counted from 0). ... give --ridge EPS to whiten C + EPS I" \
    "rank-deficient data refused" -- \
    "$whiten" "${fit[@]}" --data dup.csv
expect 1 "whiten simulate: dup.csv: the data's covariance C = (X - mean)^T (X - mean) / T is singular" \
    "simulate --data: rank-deficient data refused" -- \
    "$whiten" simulate --data dup.csv --samples 100 --quiet
expect 1 "c14.csv: the data's covariance C = (X - mean)^T (X - mean) / T is nearly singular ... (numerical rank 3 of 3, condition number 1 ... e+14); the direction of least variance is 100 % channel 2 (channels counted from 0)." \
    "condition number 1e14 refused, naming the channel" -- "$whiten" "${fit[@]}" --data c14.csv
# The weakest direction of mix.csv is (1, 1, -1) / sqrt(3): a third on each channel.
expect 1 "the direction of least variance is 33 % channel 0 + 33 % channel 1 + 33 % channel 2 (channels counted from 0)." \
    "a near-dependence among channels refused, naming them" -- "$whiten" "${fit[@]}" --data mix.csv
rm -f s.npz
expect 0 "c10.csv: warning: the data's covariance is ill-conditioned ... e+10); the direction of least variance is 100 % channel 2 (channels counted from 0); learning is stiff (a stable --eta is at most about sqrt(lambda_min) = ... and this --eta is larger" \
    "condition number 1e10 warned, learning proceeds" -- "$whiten" "${fit[@]}" --data c10.csv
[ -s s.npz ] && pass "the warned fit wrote its state" || fail "the warned fit wrote no state"
# Centred (the default), a constant channel has no variance at all: refused, naming its value;
# with --no-center it is an offset in X^T X / T, and only warned about.
expect 1 "const.csv: the data's covariance C = (X - mean)^T (X - mean) / T is singular ... channel 2 is constant (5) (channels counted from 0)" \
    "constant non-zero channel refused when centring" -- "$whiten" "${fit[@]}" --data const.csv
expect 0 "const.csv: warning: channel 2 is constant (5) (channels counted from 0); the network whitens X^T X / T" \
    "constant non-zero channel warned with --no-center" -- \
    "$whiten" "${fit[@]}" --data const.csv --no-center
expect 0 "dup.csv: --ridge 0.0001: whitening C + 0.0001 I" "--ridge proceeds on rank-deficient data" -- \
    "$whiten" fit --state r.npz --eta 1e-3 --passes 3 --ridge 1e-4 --data dup.csv
expect 0 "whitening C + 0.0001 I" "simulate --data --ridge proceeds" -- \
    "$whiten" simulate --data dup.csv --ridge 1e-4 --samples 2000 --every 500 --out r1.csv
"$whiten" simulate --data dup.csv --ridge 1e-4 --samples 2000 --every 500 --out r2.csv --quiet 2>/dev/null
cmp -s r1.csv r2.csv && pass "--ridge noise is reproducible" || fail "--ridge noise differs between runs"
expect 2 "option --ridge: expected a number in [0, 1e+12], got '-1'" "negative --ridge refused" -- "$whiten" "${fit[@]}" --data ok.csv --ridge -1

# Divergence: a large eta on a wide spectrum loses positive definiteness.
expect 1 "sample 2: M lost positive definiteness (WH_EDIVERGED); the direct network moves M's eigenvalues by about eta = 0.9 per sample ... sqrt(lambda_min) = 0.1: give --eta well below it ... a larger initial scale would not help" \
    "divergence names the sample and its cure" -- \
    "$whiten" simulate --net direct --solver exact --eigenvalues 0.01,100 --eta 0.9 --samples 2000 --quiet

# Sizes: refused before any allocation, with the reason.
head -c 320000 /dev/zero > big.f64
expect 1 "n = 40000, k = 40000 needs about 192 GB of memory; this machine has" "a network larger than memory refused" -- \
    "$whiten" fit --data big.f64 --n 40000 --state s.npz --quiet
expect 2 "options --n and --k: n = 2, k = 1000000 is out of range (LAPACK's 32-bit sizes allow each dimension up to 46340)" \
    "k beyond LAPACK's 32-bit sizes refused" -- \
    "$whiten" fit --data ok.csv --k 1000000 --state s.npz --quiet
expect 2 "option --n: expected a whole number in [0, 4096], got '100000'" "--n 100000 --k 100000 refused" -- \
    "$whiten" simulate --n 100000 --k 100000
expect 1 "--samples 1000000000000 with --every 1 (a table of 1000000000002 rows of metrics) needs about 4e+04 GB of memory; this machine has" \
    "--samples 1e12 --every 1: table refused before allocation" -- \
    env ASAN_OPTIONS=allocator_may_return_null=1 "$whiten" simulate --n 3 --samples 1000000000000 --every 1 --quiet

# Determinism: same seed, same bytes, whatever the BLAS thread count.
sim=(simulate --n 8 --spectrum 0.1:10 --rotate --seed 9 --samples 20000 --every 1000 --quiet)
OPENBLAS_NUM_THREADS=1 "$whiten" "${sim[@]}" --out d1.csv --save-state d1.npz
OPENBLAS_NUM_THREADS=1 "$whiten" "${sim[@]}" --out d2.csv --save-state d2.npz
OPENBLAS_NUM_THREADS=2 "$whiten" "${sim[@]}" --out d3.csv --save-state d3.npz
cmp -s d1.csv d2.csv && cmp -s d1.npz d2.npz && cmp -s d1.csv d3.csv && cmp -s d1.npz d3.npz &&
    pass "same seed: identical bytes across runs and thread counts" || fail "simulate not deterministic"

# A solver state from an older layout (fewer values, or another layout tag) is refused with
# what to do; the same file without its solver state loads.
/usr/bin/python3 - <<'PY'
import io, zipfile
import numpy as np
with zipfile.ZipFile("d1.npz") as z:
    members = {name: z.read(name) for name in z.namelist()}
state = np.load(io.BytesIO(members["solver_state.npy"]))
def write(path, solver):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            if name != "solver_state.npy":
                z.writestr(name, data)
            elif solver is not None:
                buf = io.BytesIO()
                np.save(buf, solver)
                z.writestr(name, buf.getvalue())
write("short.npz", state[:-1])
tagged = state.copy()
tagged[0] = 1.0
write("tagged.npz", tagged)
write("bare.npz", None)
PY
printf '%s\n' 1,2,3,4,5,6,7,8 2,1,0,1,2,1,0,1 >X8.csv
expect 1 "short.npz: solver_state.npy holds ... values where this network's fast solver keeps ... (a file from an older whiten?); with that member removed from the archive the state loads" \
    "a solver state of another size is refused with what to do" -- \
    "$whiten" apply --state short.npz --data X8.csv --out Z8.csv
expect 1 "tagged.npz: solver_state.npy does not belong to this network: ... with that member removed" \
    "a solver state with another layout tag is refused" -- \
    "$whiten" apply --state tagged.npz --data X8.csv --out Z8.csv
"$whiten" apply --state bare.npz --data X8.csv --out Z8.csv 2>err.txt &&
    pass "the same state without solver_state.npy loads" || fail "bare state refused: $(cat err.txt)"
rm -f Z8.csv

echo "$failures failure(s)"
[ "$failures" = 0 ]
