#!/usr/bin/python3
"""The NumPy reference of issue 6, measured on this machine.

A straightforward NumPy loop of the two online algorithms, one BLAS thread,
np.linalg.solve for every sample, exactly as the issue describes it:
  direct:        y = solve(M, x);          M += eta (y y^T - I)
  interneurons:  y = solve(W W^T, x);      z = W^T y;   W += eta (y z^T - W)
with k = 2n, eta = 1e-3, M0 = I (W0 = [I 0]) and Gaussian inputs of covariance
I. Prints one line per (network, n): samples per second of process CPU time,
best of three runs. `whiten bench` divides its own rates by these.

Run it with one BLAS thread, as the issue's figures were measured:
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/numpy_reference.py [--json]
"""
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402  (after the thread count is fixed)

SIZES = (4, 16, 64, 256)
ETA = 1e-3


def samples_for(n):
    """Enough samples for about a second of work at each size."""
    return max(200, min(100_000, int(4e8 / n**3)))


def direct(X):
    n = X.shape[1]
    M, eye = np.eye(n), np.eye(n)
    for x in X:
        y = np.linalg.solve(M, x)
        M += ETA * (np.outer(y, y) - eye)
    return M


def interneuron(X):
    n = X.shape[1]
    W = np.hstack([np.eye(n), np.zeros((n, n))])
    for x in X:
        y = np.linalg.solve(W @ W.T, x)
        z = W.T @ y
        W += ETA * (np.outer(y, z) - W)
    return W @ W.T


def rate(run, X, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        run(X)
        best = min(best, time.process_time() - t0)
    return X.shape[0] / best


def main():
    rng = np.random.default_rng(1)
    rows = []
    for n in SIZES:
        X = rng.standard_normal((samples_for(n), n))
        for name, run in (("direct", direct), ("interneuron", interneuron)):
            rows.append({"network": name, "n": n, "samples_per_s": rate(run, X)})
    if "--json" in sys.argv:
        print(json.dumps({"numpy": np.__version__, "rows": rows}, indent=1))
        return
    print(f"numpy {np.__version__}, one BLAS thread, samples/s (process CPU time, best of 3)")
    for r in rows:
        print(f"{r['network']:12s} n={r['n']:5d} {r['samples_per_s']:12.4g}")


if __name__ == "__main__":
    main()
