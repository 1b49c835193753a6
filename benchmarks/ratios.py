#!/usr/bin/python3
"""BENCHMARKS.md's results table from `whiten bench --json` and the NumPy reference.

  whiten bench --json > bench.json
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/numpy_reference.py --json > numpy.json
  /usr/bin/python3 benchmarks/ratios.py bench.json numpy.json

Prints one Markdown row per (n, path): samples/s, the ratio to the exact path of
the same network, to the NumPy loop measured on this machine (numpy.json), and
to the issue's NumPy figures (measured on another machine of this kind), the
relative difference of M, the work model and the fraction of the ceiling.
"""
import json
import sys

# Issue 6's figures for a NumPy loop (one BLAS thread, np.linalg.solve per sample).
ISSUE = {
    "direct": {4: 187e3, 16: 134e3, 64: 39e3, 256: 2.0e3},
    "interneuron": {4: 142e3, 16: 102e3, 64: 21.5e3, 256: 0.69e3},
}


def ratio(rate, ref):
    return f"{rate / ref:.1f}×" if ref else "–"


def main(bench_path, numpy_path):
    with open(bench_path) as f:
        bench = json.load(f)
    with open(numpy_path) as f:
        numpy = json.load(f)
    here = {(r["network"], r["n"]): r["samples_per_s"] for r in numpy["rows"]}
    exact = {(r["n"], r["path"].split("-")[0]): r["samples_per_s"]
             for r in bench["results"] if r["path"].endswith("-exact")}
    print(f"dgemm {bench['dgemm_flops_per_s'] * 1e-9:.1f} GFlop/s; numpy {numpy['numpy']}\n")
    print("| n | path | samples/s | vs exact | vs NumPy here | vs issue's NumPy "
          "| rel. diff M | Mflop/sample | MB/sample | of ceiling |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in bench["results"]:
        n, path, rate = int(r["n"]), r["path"], r["samples_per_s"]
        net = path.split("-")[0]
        name = path + (f" ({r['cg_iterations']:.1f} CG it.)" if "cg_iterations" in r else "")
        print(f"| {n} | {name} | {rate:.4g} | {ratio(rate, exact.get((n, net)))} "
              f"| {ratio(rate, here.get((net, n)))} | {ratio(rate, ISSUE[net].get(n))} "
              f"| {r['rel_diff_M']:.1e} | {r['flops_per_sample'] * 1e-6:.3g} "
              f"| {r['bytes_per_sample'] * 1e-6:.3g} | {100 * r['fraction_of_ceiling']:.0f} % |")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
