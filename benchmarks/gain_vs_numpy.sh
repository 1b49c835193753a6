#!/bin/bash
# The gain circuits against their NumPy loops (benchmarks/numpy_gain.py), INTERLEAVED: each
# round runs `whiten bench --n N` (its gain rows) and then the NumPy loops at the same n, so
# that both see the same load; prints one line per round with the load average and the
# ratios, then the best of each over the rounds. One BLAS thread on both sides.
# usage: benchmarks/gain_vs_numpy.sh WHITEN [N (16)] [ROUNDS (4)]
set -eu
whiten=$1 n=${2:-16} rounds=${3:-4}
here=$(dirname "$0")
export OPENBLAS_NUM_THREADS=1
printf '%-5s %-16s %12s %12s %12s %12s %8s %8s\n' round load ours-gain numpy-gain \
    ours-synapse numpy-synapse gain-x synapse-x
for r in $(seq 1 "$rounds"); do
    load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')
    ours=$("$whiten" bench --n "$n" --repeat 1)
    np=$(/usr/bin/python3 "$here/numpy_gain.py" --n "$n")
    og=$(awk -v n="$n" '$1 == "gain-pairs" && $2 == n { print $4 }' <<< "$ours")
    os=$(awk -v n="$n" '$1 == "gain-synapse" && $2 == n { print $4 }' <<< "$ours")
    ng=$(awk '$1 == "gain" { print $5 }' <<< "$np")
    ns=$(awk '$1 == "gain-synapse" { print $5 }' <<< "$np")
    echo "$r $load $og $ng $os $ns"
done | awk '{
    printf "%-5s %-16s %12.0f %12.0f %12.0f %12.0f %7.1fx %7.1fx\n", $1, $2, $3, $4, $5, $6,
        $3 / $4, $5 / $6
    if ($3 > og) og = $3; if ($4 > ng) ng = $4; if ($5 > os) os = $5; if ($6 > ns) ns = $6
} END {
    printf "best of each over %d rounds: gain %.0f against %.0f (%.1fx), gain-synapse %.0f against %.0f (%.1fx)\n",
        NR, og, ng, og / ng, os, ns, os / ns
}'
