#!/usr/bin/python3
"""NumPy loops of the gain circuits, written as the anchors write them (issue 15).

The public code of the ICML 2023 and NeurIPS 2023 papers (lyndond/frame_whitening,
simulation.py) forms M = alpha I + W diag(g) W^T with W @ np.diag(g) @ W.T, inverts it
with np.linalg.inv for every sample (batch size 1 here: the online algorithm), and
updates the gains by g += eta_g (z**2 - |w_i|^2); gains plus synapses also update
W += eta_w (y (g z)^T - W diag(g)) and renormalise its columns. This is our own loop
in that style, not their code. alpha = 1, K = n(n+1)/2 (gain, pairs frame) and K = n
(gain-synapse, random unit frame), eta_g = 1e-3, eta_w = 1e-4, M0 = I.

Prints samples per second of process CPU time, best of three, per (circuit, n):
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/numpy_gain.py [--json] [--n N]
(--n N: that n only; benchmarks/gain_vs_numpy.sh interleaves it with `whiten bench`.)
"""
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402  (after the thread count is fixed)

SIZES = (4, 16, 64)
ETA_G, ETA_W, ALPHA = 1e-3, 1e-4, 1.0


def pairs(n):
    cols = [np.eye(n)[i] for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            v = np.zeros(n)
            v[i] = v[j] = np.sqrt(0.5)
            cols.append(v)
    return np.array(cols).T


def gain(X):
    n = X.shape[1]
    W = pairs(n)
    g, w0, eye = np.zeros(W.shape[1]), np.sum(W**2, axis=0), np.eye(n)
    for x in X:
        M = ALPHA * eye + W @ np.diag(g) @ W.T
        y = np.linalg.inv(M) @ x
        z = W.T @ y
        g = g + ETA_G * (z**2 - w0)
    return g


def gain_synapse(X):
    n = X.shape[1]
    W = np.random.default_rng(1).standard_normal((n, n))
    W /= np.linalg.norm(W, axis=0)
    g, eye = np.zeros(n), np.eye(n)
    for x in X:
        M = ALPHA * eye + W @ np.diag(g) @ W.T
        y = np.linalg.inv(M) @ x
        z = W.T @ y
        dg = z**2 - np.sum(W**2, axis=0)
        W = W + ETA_W * (np.outer(y, g * z) - W @ np.diag(g))
        W /= np.linalg.norm(W, axis=0)
        g = g + ETA_G * dg
    return g


def rate(run, X, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        run(X)
        best = min(best, time.process_time() - t0)
    return X.shape[0] / best


def main():
    rows = []
    sizes = SIZES
    if "--n" in sys.argv:
        sizes = (int(sys.argv[sys.argv.index("--n") + 1]),)
    for n in sizes:
        count = {4: 20000, 16: 5000, 64: 100}.get(n, 20)
        X = np.random.default_rng(n).standard_normal((count, n))
        for name, run in (("gain", gain), ("gain-synapse", gain_synapse)):
            rows.append({"circuit": name, "n": n,
                         "samples_per_s": rate(run, X, 3 if n <= 16 else 1)})
    if "--json" in sys.argv:
        print(json.dumps(rows, indent=1))
    else:
        for r in rows:
            print(f"{r['circuit']:13s} n = {r['n']:4d}  {r['samples_per_s']:12.0f} samples/s")


if __name__ == "__main__":
    main()
