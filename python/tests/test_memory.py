"""Reference counts and memory stay flat over 10^4 calls; no copy of C-contiguous float64."""
import gc
import sys
import tracemalloc

import numpy as np
import pytest

import whiten
from conftest import gaussian

CALLS = 10_000


def flat(call, *objects):
    """Run call() CALLS times; the objects' reference counts and traced memory must not grow."""
    call()  # warm caches (sklearn's config, numpy's dispatch)
    gc.collect()
    refs = [sys.getrefcount(o) for o in objects]
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(CALLS):
        call()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert [sys.getrefcount(o) for o in objects] == refs
    # A leak of even one 8-byte object per call would show as 80 kB.
    assert grown < 16_000, grown


def raising(call, exc):
    def run():
        try:
            call()
        except exc:
            pass
    return run


def test_step_and_transform():
    X, _ = gaussian(64, 6)
    w = whiten.Whitener().fit(X)
    x = X[3].copy()
    flat(lambda: w.step(x), x, w, w._net)
    flat(lambda: w.transform(X), X, w, w._net)
    flat(lambda: w.partial_fit(X[:2]), X, w, w._net)
    flat(lambda: w.filter(X[:2]), X, w, w._net)
    flat(lambda: w.M_, w, w._net)
    flat(lambda: w.W_, w, w._net)
    Y = w.transform(X)
    flat(lambda: w.inverse_transform(Y), Y, w, w._net)   # centred: x = M y + mean
    flat(lambda: w.mean_, w, w._net)
    flat(lambda: w._export(), w, w._net)


@pytest.mark.parametrize("net", ["gain", "gain-synapse"])
def test_gain_circuits(net):
    X, _ = gaussian(64, 4)
    w = whiten.Whitener(net=net, eta=1e-3).fit(X)
    # The rows in turn: one sample over and over is a rank-one covariance, under which the
    # gains of the other directions fall until M is no longer definite.
    rows = iter(np.tile(X, (CALLS // 64 + 2, 1)))
    flat(lambda: w.step(next(rows)), X, w, w._net)
    pairs = iter(np.tile(X, (CALLS // 32 + 2, 1)).reshape(-1, 2, 4))
    flat(lambda: w.partial_fit(next(pairs)), X, w, w._net)
    flat(lambda: w.g_, w, w._net)
    flat(lambda: w._export(), w, w._net)


def test_error_paths():
    X, _ = gaussian(64, 6)
    w = whiten.Whitener(net="direct").fit(X)
    bad = X[:4].copy()
    bad[2, 1] = np.nan
    net = w._net
    flat(raising(lambda: net.learn(bad), ValueError), bad, net)
    flat(raising(lambda: net.step(X[:, :3].copy()), ValueError), net)
    row = bad[2].copy()
    flat(raising(lambda: w.step(row), ValueError), row, net)
    flat(raising(lambda: w.step(X[0, :4]), ValueError), net)
    d = whiten.Whitener(net="direct", eta=0.3, solver="exact").partial_fit(X[:1] * 0.05)
    tiny = np.ascontiguousarray(X[1:60] * 0.05)
    flat(raising(lambda: d._net.learn(tiny), whiten.DivergedError), tiny, d._net)
    flat(raising(lambda: d.step(tiny[30]), whiten.DivergedError), tiny, d._net)
    flat(raising(lambda: w.inverse_transform(bad), ValueError), bad, net)


def test_no_copy_of_c_contiguous_float64():
    X, _ = gaussian(100_000, 16)            # 12.8 MB
    w = whiten.Whitener().partial_fit(X[:10])
    tracemalloc.start()
    w.partial_fit(X)
    peak_c = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    F = np.asfortranarray(X)
    tracemalloc.start()
    w.partial_fit(F)
    peak_f = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak_c < 1_000_000, peak_c              # no copy
    assert X.nbytes <= peak_f < 2.5 * X.nbytes, peak_f  # converted once


def test_rss_flat_over_many_fits():
    import resource
    X, _ = gaussian(2000, 32)
    for _ in range(20):
        whiten.Whitener().fit(X)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(500):
        whiten.Whitener(net="direct").fit(X[:200]).transform(X[:50])
        whiten.Whitener().fit(X)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
    assert grown_kb < 4096, grown_kb
