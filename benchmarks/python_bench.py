#!/usr/bin/python3
"""Benchmarks of the Python package (BENCHMARKS.md, section "Python"). Not a test.

  OPENBLAS_NUM_THREADS=1 PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_bench.py \
      build/src/whiten [--json out.json] [--only cli,step,threads,others]

Measures, on the same Gaussian data (covariance spectrum 0.1..10, rotated):
  1. Whitener.partial_fit over 10^5 samples at n = 16 and 64 (one call, and batches of 1000)
     against `whiten fit` on the same .npy file (wall time of the process, and the process's
     own learning time without start-up, reading and writing, taken as its time minus that
     of a 256-sample fit);
  2. the per-call overhead of Whitener.step against filter's time per row;
  3. two threads fitting two estimators against one thread fitting both in turn;
  4. time and whitening error ||W C W^T - I||_2 (W the whitening matrix, C the true
     covariance) of Whitener, sklearn's PCA(whiten=True), IncrementalPCA(whiten=True) fed by
     partial_fit in batches of 1000, and a plain numpy loop of the interneuron algorithm.
Every timing is the best of `REPEAT` runs, wall clock (the host is shared: compare within one
run only).
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from sklearn.decomposition import PCA, IncrementalPCA  # noqa: E402

import whiten  # noqa: E402

REPEAT = 3
ETA = 1e-3


def data(samples, n, seed=1):
    rng = np.random.default_rng(seed)
    R, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.geomspace(0.1, 10.0, n)
    C = (R * lam) @ R.T
    X = np.ascontiguousarray(rng.standard_normal((samples, n)) * np.sqrt(lam) @ R.T)
    return X, C


def best(run, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def whitening_error(Wm, C):
    """||W C W^T - I||_2 for outputs y = W x."""
    return float(np.linalg.norm(Wm @ C @ Wm.T - np.eye(len(C)), 2))


def against_cli(exe, n, samples=100_000):
    X, _ = data(samples, n)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/X.npy", X)
        np.save(f"{tmp}/X1.npy", X[:256])  # start-up, I/O and checks; 0.26 % of the learning

        def cli(path):
            subprocess.run([exe, "fit", "--data", path, "--state", f"{tmp}/S.npz",
                            "--eta", str(ETA), "--quiet"], check=True)
        t_cli = best(lambda: cli(f"{tmp}/X.npy"))
        t_cli1 = best(lambda: cli(f"{tmp}/X1.npy"))
    t_one = best(lambda: whiten.Whitener(eta=ETA).partial_fit(X))

    def batches():
        w = whiten.Whitener(eta=ETA)
        for start in range(0, samples, 1000):
            w.partial_fit(X[start:start + 1000])
    t_batch = best(batches)
    return {"n": n, "samples": samples, "cli_wall_s": t_cli, "cli_256_samples_s": t_cli1,
            "cli_learning_s": t_cli - t_cli1, "partial_fit_one_call_s": t_one,
            "partial_fit_batches_1000_s": t_batch,
            "ratio_one_call_to_cli_learning": t_one / (t_cli - t_cli1),
            "ratio_batches_to_cli_learning": t_batch / (t_cli - t_cli1),
            "ratio_one_call_to_cli_wall": t_one / t_cli}


def step_overhead(n, rows=20_000):
    X, _ = data(rows, n, seed=2)
    w = whiten.Whitener(eta=ETA).partial_fit(X[:1])
    per_row = best(lambda: w.filter(X)) / rows
    rows_list = list(X)

    def steps():
        for x in rows_list:
            w.step(x)
    per_step = best(steps) / rows
    return {"n": n, "filter_per_row_us": per_row * 1e6, "step_per_call_us": per_step * 1e6,
            "overhead_us": (per_step - per_row) * 1e6}


def threads(n, samples=200_000):
    X1, _ = data(samples, n, seed=3)
    X2, _ = data(samples, n, seed=4)

    def one_thread():
        whiten.Whitener(eta=ETA).partial_fit(X1)
        whiten.Whitener(eta=ETA).partial_fit(X2)

    def two_threads():
        ts = [threading.Thread(target=lambda X=X: whiten.Whitener(eta=ETA).partial_fit(X))
              for X in (X1, X2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    def two_processes():
        # The control: what this host gives two independent processes (no GIL at all).
        code = ("import sys, numpy as np, whiten; "
                f"X = np.random.default_rng(int(sys.argv[1])).standard_normal(({samples}, {n})); "
                f"whiten.Whitener(eta={ETA}).partial_fit(X[:1]); t = __import__('time'); "
                "t0 = t.perf_counter(); whiten.Whitener(eta=%g).partial_fit(X); "
                "print(t.perf_counter() - t0)" % ETA)
        ps = [subprocess.Popen([sys.executable, "-c", code, str(s)], stdout=subprocess.PIPE)
              for s in (1, 2)]
        return max(float(p.communicate()[0]) for p in ps)

    def one_process():
        code = ("import numpy as np, whiten, time; "
                f"X = np.random.default_rng(1).standard_normal(({samples}, {n})); "
                f"whiten.Whitener(eta={ETA}).partial_fit(X[:1]); t0 = time.perf_counter(); "
                f"whiten.Whitener(eta={ETA}).partial_fit(X); "
                f"whiten.Whitener(eta={ETA}).partial_fit(X); print(time.perf_counter() - t0)")
        return float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    check=True).stdout)
    load = os.getloadavg()[0]
    c0 = time.process_time()
    t1 = best(one_thread)
    c1 = time.process_time()
    t2 = best(two_threads)
    c2 = time.process_time()
    p1 = min(one_process() for _ in range(REPEAT))
    p2 = min(two_processes() for _ in range(REPEAT))
    return {"n": n, "samples_each": samples, "one_thread_s": t1, "two_threads_s": t2,
            "speedup": t1 / t2, "cpu_per_wall_one_thread": (c1 - c0) / (t1 * REPEAT),
            "cpu_per_wall_two_threads_approx": (c2 - c1) / (t2 * REPEAT),
            "one_process_two_fits_s": p1, "two_processes_s": p2,
            "process_speedup": p1 / p2, "load_before": load}


def numpy_loop(X, k):
    n = X.shape[1]
    W = np.hstack([np.eye(n), np.zeros((n, k - n))])
    for x in X:
        y = np.linalg.solve(W @ W.T, x)
        z = W.T @ y
        W += ETA * (np.outer(y, z) - W)
    return W @ W.T


def against_others(n, samples=100_000):
    X, C = data(samples, n, seed=5)
    out = {"n": n, "samples": samples}
    w = whiten.Whitener(eta=ETA)
    out["whitener_s"] = best(lambda: w.fit(X))
    out["whitener_error"] = whitening_error(np.linalg.inv(w.M_), C)
    w3 = whiten.Whitener(eta=ETA, passes=3)
    out["whitener_3passes_s"] = best(lambda: w3.fit(X), repeat=2)
    out["whitener_3passes_error"] = whitening_error(np.linalg.inv(w3.M_), C)
    wd = whiten.Whitener(eta=1e-2, schedule="decay", tau=1000.0)
    out["whitener_decay_s"] = best(lambda: wd.fit(X))
    out["whitener_decay_error"] = whitening_error(np.linalg.inv(wd.M_), C)
    ws = whiten.Whitener(eta=1e-4, passes=3)
    out["whitener_eta1e-4_3passes_s"] = best(lambda: ws.fit(X), repeat=2)
    out["whitener_eta1e-4_3passes_error"] = whitening_error(np.linalg.inv(ws.M_), C)
    p = PCA(whiten=True)
    out["pca_s"] = best(lambda: p.fit(X))
    Wp = p.components_ / np.sqrt(p.explained_variance_)[:, None]
    out["pca_error"] = whitening_error(Wp, C)
    ip = IncrementalPCA(whiten=True)

    def incremental():
        ip.__init__(whiten=True)
        for start in range(0, samples, 1000):
            ip.partial_fit(X[start:start + 1000])
    out["ipca_s"] = best(incremental, repeat=2)
    Wi = ip.components_ / np.sqrt(ip.explained_variance_)[:, None]
    out["ipca_error"] = whitening_error(Wi, C)
    m = 20_000  # the numpy loop is slow: time a fifth of the data, scale
    t = best(lambda: numpy_loop(X[:m], n), repeat=2)
    out["numpy_loop_s"] = t * samples / m
    out["numpy_loop_error_after_fifth"] = whitening_error(np.linalg.inv(numpy_loop(X[:m], n)), C)
    wf = whiten.Whitener(eta=ETA, k=n).fit(X[:m])
    out["whitener_error_after_fifth"] = whitening_error(np.linalg.inv(wf.M_), C)
    return out


def main():
    exe = sys.argv[1]
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
    res = {"load_at_start": os.getloadavg(), "cpus": os.cpu_count()}
    sections = {"cli": lambda: [against_cli(exe, n) for n in (16, 64)],
                "step": lambda: [step_overhead(n) for n in (4, 64)],
                "threads": lambda: [threads(n) for n in (16, 64)],
                "others": lambda: [against_others(n) for n in (16, 64)]}
    for name, run in sections.items():
        if only is None or name in only:
            res[name] = run()
    res["load_at_end"] = os.getloadavg()
    text = json.dumps(res, indent=1)
    print(text)
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
