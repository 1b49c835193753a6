"""Every bad input raises a Python exception with the reason; a refused batch changes nothing."""
import pickle
import threading

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import whiten
from conftest import gaussian


def snapshot(w):
    """Everything that makes up the learned network, bit for bit."""
    return pickle.dumps(w._export())


@pytest.mark.parametrize("params, match", [
    (dict(net="recurrent"), "net must be 'direct', 'interneuron', 'gain' or 'gain-synapse'"),
    (dict(k=2), "k = 2 interneurons is fewer than n = 3"),
    (dict(k=2.5), "k must be an integer"),
    (dict(eta=0.0), r"eta must lie in \(0, 1\)"),
    (dict(eta=1.0), r"eta must lie in \(0, 1\)"),
    (dict(eta=float("nan")), r"eta must lie in \(0, 1\)"),
    (dict(passes=0), "passes must be an integer >= 1"),
    (dict(init_scale=-2.0), "init_scale must be 'auto' or finite and > 0"),
    (dict(init_scale=float("inf")), "init_scale must be 'auto' or finite and > 0"),
    (dict(init_scale="automatic"), "init_scale must be 'auto' or finite and > 0"),
    (dict(passes="all"), "passes must be an integer >= 1 or 'auto'"),
    (dict(center="yes"), "center must be True or False"),
    (dict(center_window=0.5), r"center_window must be 0 \(no window\) or a number of samples"),
    (dict(center_window=float("nan")), "center_window must be 0"),
    (dict(net="gain-synapse", solver="fast"), "gains plus synapses have only the exact solver"),
    (dict(net="gain", alpha=-1.0), "alpha must be finite and >= 0"),
    (dict(net="gain", eta_g=1.0), r"eta_g must lie in \(0, 1\)"),
    (dict(net="gain-synapse", eta_w=0.0), r"eta_w must lie in \(0, 1\)"),
    (dict(net="gain", frame="hexagons"), "frame must be 'random', 'pairs', an array or None"),
    (dict(net="gain", frame="pairs", k=5), r"frame='pairs' has K = n\(n\+1\)/2 = 6 columns"),
    (dict(net="gain", frame=np.ones((2, 4))), r"frame must be a finite array of shape"),
    (dict(net="gain", frame=np.ones((3, 4)), k=5), "frame has K = 4 columns, but k is 5"),
    (dict(net="gain", frame=np.zeros((3, 4))), "WH_ERANK|zero|rank"),
    (dict(net="gain", alpha=0.0), "WH_ENOTPD|positive definite"),
    (dict(solver="cholesky"), "solver must be 'auto', 'exact' or 'fast'"),
    (dict(refresh=-1), "refresh must be an integer >= 0"),
    (dict(random_state=-3), "random_state must be >= 0"),
])
def test_bad_parameters(params, match):
    X, _ = gaussian(50, 3)
    with pytest.raises(ValueError, match=match):
        whiten.Whitener(**params).fit(X)


@pytest.mark.parametrize("bad, match", [
    (np.zeros(3), "Expected 2D array"),
    (np.zeros((4, 3, 2)), "Found array with dim 3"),
    (np.zeros((0, 3)), "0 sample"),
    (np.zeros((4, 0)), "0 feature"),
    (np.array([[1.0, np.nan, 2.0]]), "NaN"),
    (np.array([[1.0, np.inf, 2.0]]), "infinity"),
    (np.array([["a", "b", "c"]]), "could not convert|dtype"),
])
def test_bad_samples_for_fit(bad, match):
    with pytest.raises(ValueError, match=match):
        whiten.Whitener().fit(bad)


@pytest.mark.parametrize("method", ["partial_fit", "transform", "filter", "inverse_transform"])
@pytest.mark.parametrize("bad, match", [
    (np.ones((5, 4)), "4 features, but Whitener is expecting 3"),
    (np.array([[1.0, np.nan, 2.0]]), "NaN"),
    (np.array([[1.0, -np.inf, 2.0]]), "infinity"),
    (np.ones(3), "Expected 2D array"),
])
def test_bad_samples_after_fit_change_nothing(method, bad, match):
    X, _ = gaussian(200, 3)
    w = whiten.Whitener().fit(X)
    before = snapshot(w)
    with pytest.raises(ValueError, match=match):
        getattr(w, method)(bad)
    assert snapshot(w) == before


@pytest.mark.parametrize("bad, match", [
    (np.ones(4), r"one sample of shape \(3,\), got an array of 1 dimensions and 4 values"),
    (np.ones((1, 3)), r"one sample of shape \(3,\), got an array of 2 dimensions"),
    (["a", "b", "c"], "could not convert string to float"),
    (np.array([1.0, np.nan, 0.5]), "row 0, column 1 is NaN"),
    (np.array([1.0, 2.0, np.inf]), "row 0, column 2 is infinite"),
])
def test_bad_step(bad, match):
    w = whiten.Whitener().fit(gaussian(100, 3)[0])
    before = snapshot(w)
    with pytest.raises(ValueError, match=match):
        w.step(bad)
    assert snapshot(w) == before


def test_unfitted():
    for call in (lambda w: w.transform(np.ones((2, 2))), lambda w: w.step(np.ones(2)),
                 lambda w: w.M_, lambda w: w.save("never.npz"),
                 lambda w: w.inverse_transform(np.ones((2, 2)))):
        with pytest.raises(NotFittedError):
            call(whiten.Whitener())


def diverging():
    """Direct network at a large eta on inputs far from unit scale: M loses definiteness."""
    rng = np.random.default_rng(3)
    return rng.standard_normal((400, 4)) * 0.05


@pytest.mark.parametrize("solver", ["exact", "fast"])
def test_divergence_is_an_arithmetic_error_with_the_sample(solver):
    X = diverging()
    w = whiten.Whitener(net="direct", eta=0.3, solver=solver, refresh=8).partial_fit(X[:3])
    before = snapshot(w)
    with pytest.raises(whiten.DivergedError) as info:
        w.partial_fit(X[3:])
    e = info.value
    assert isinstance(e, ArithmeticError)
    assert e.status == "WH_EDIVERGED" and "positive definite" in str(e)
    assert 3 <= e.sample < 400 and f"sample {e.sample}" in str(e)
    # Never a half-updated estimator: the network is the one from before the batch.
    assert snapshot(w) == before and w.n_samples_seen_ == 3
    # The sample named is the one a sample-by-sample run refuses (exact solver: at once).
    if solver == "exact":
        w2 = whiten.Whitener(net="direct", eta=0.3, solver=solver)
        with pytest.raises(whiten.DivergedError) as again:
            w2.filter(X)
        assert again.value.sample == e.sample
        with pytest.raises(NotFittedError):   # a refused first batch leaves it unfitted
            w2.M_
        assert not hasattr(w2, "n_features_in_")


def test_refused_batch_then_learning_continues_as_if_never_tried():
    X, _ = gaussian(600, 5)
    a = whiten.Whitener(eta=2e-3).partial_fit(X[:300])
    b = whiten.Whitener(eta=2e-3).partial_fit(X[:300])
    bad = X[300:400].copy()
    bad[57, 2] = np.nan
    with pytest.raises(ValueError, match="row 57, column 2 is NaN|NaN"):
        b.partial_fit(bad)
    a.partial_fit(X[300:])
    b.partial_fit(X[300:])
    assert snapshot(a) == snapshot(b)


@pytest.mark.parametrize("content, match", [
    (b"not a zip at all", "not a whiten state file"),
    (None, "not a whiten state file"),
])
def test_bad_state_files(tmp_path, content, match):
    p = tmp_path / "S.npz"
    if content is None:
        np.savez(p, A=np.ones(2))
    else:
        p.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        whiten.load(p)


@pytest.mark.parametrize("edit, match", [
    (lambda m: m.update(format="other"), "not a whiten state"),
    (lambda m: m.update(version=2), "state version 2; this whiten reads version 1"),
    (lambda m: m.update(net="recurrent"), '"net" must be'),
    (lambda m: m.update(net="gain"), "'alpha' must be a number"),
    (lambda m: m.update(ridge=0.5), "'ridge_seed' must be a whole number"),
    (lambda m: m.update(ridge=-0.5, ridge_seed="3"), r"'ridge' must be a number in \[0, 1e\+12\]"),
    (lambda m: m.update(ridge="0.5", ridge_seed="3"), "'ridge' must be a number"),
    (lambda m: m.update(center={"window": 0.5, "count": "3"}), 'center "window" must be 0'),
    (lambda m: m.update(center={"window": 0, "count": 3}), "'count' must be a whole number"),
    (lambda m: m.update(schedule={"kind": "cosine"}), 'schedule "kind" must be'),
    (lambda m: m.update(schedule={"kind": "decay", "tau": 5, "gamma": 0.4, "start": "0"}),
     "gamma in"),
    (lambda m: m.update(samples=12), "whole number written as a string"),
    (lambda m: m.update(n=4, k=4), r"M.npy is \(3, 3\); meta.json says n = 4"),
    (lambda m: m.update(eta=1.5), r"eta|\(0, 1\)"),
])
def test_damaged_meta(tmp_path, edit, match):
    import json
    from whiten._state import read_state, write_state
    w = whiten.Whitener().fit(gaussian(100, 3)[0])
    meta, arrays = w._export()
    edit(meta)
    write_state(tmp_path / "S.npz", meta, arrays)
    with pytest.raises(ValueError, match=match):
        whiten.load(tmp_path / "S.npz")


def test_unusable_synapses(tmp_path):
    from whiten._state import write_state
    w = whiten.Whitener(net="direct").fit(gaussian(100, 3)[0])
    meta, arrays = w._export()
    arrays["M"] = -np.eye(3)
    write_state(tmp_path / "S.npz", meta, arrays)
    with pytest.raises(ValueError, match="not positive definite"):
        whiten.load(tmp_path / "S.npz")


def test_save_is_atomic(tmp_path):
    w = whiten.Whitener().fit(gaussian(100, 3)[0])
    with pytest.raises(OSError):
        w.save(tmp_path / "missing-folder" / "S.npz")
    assert list(tmp_path.iterdir()) == []


def test_one_network_two_threads_is_refused():
    """Two threads on one network: one of them is told, and the network stays whole."""
    X, _ = gaussian(200000, 8)
    w = whiten.Whitener().partial_fit(X[:10])
    barrier = threading.Barrier(2)
    outcome = []

    def learn():
        barrier.wait()
        try:
            w.partial_fit(X)
            outcome.append("ok")
        except RuntimeError as e:
            outcome.append(str(e))

    threads = [threading.Thread(target=learn) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome)[0] == "ok" and "in use by another thread" in sorted(outcome)[1], outcome
    assert w.n_samples_seen_ == 200010


def test_refused_fit_keeps_the_fitted_estimator():
    w = whiten.Whitener(net="direct").fit(gaussian(300, 3)[0])
    before, features = snapshot(w), w.n_features_in_
    w.set_params(eta=0.3)
    with pytest.raises(whiten.DivergedError):
        w.fit(diverging())       # 4 features, diverges part-way
    assert snapshot(w) == before and w.n_features_in_ == features


@pytest.mark.parametrize("params, match", [
    (dict(schedule="cosine"), "schedule must be 'constant' or 'decay'"),
    (dict(schedule="decay", tau=0.0), "needs tau > 0"),
    (dict(schedule="decay", tau=-5.0), "needs tau > 0"),
    (dict(schedule="decay", tau=10.0, gamma=0.5), r"gamma must lie in \(1/2, 1\]"),
    (dict(schedule="decay", tau=10.0, gamma=1.5), r"gamma must lie in \(1/2, 1\]"),
    (dict(schedule="decay", tau=10.0, schedule_start=-1), "schedule_start must be"),
])
def test_bad_schedules(params, match):
    with pytest.raises(ValueError, match=match):
        whiten.Whitener(**params).fit(gaussian(50, 3)[0])


def test_centred_refusals_put_the_mean_back():
    """The running mean takes a sample in before the network sees it; a refusal takes it out."""
    X = diverging() + 3.0
    w = whiten.Whitener(net="direct", eta=0.3, solver="exact").partial_fit(X[:3])
    before, mean = snapshot(w), w.mean_.copy()
    with pytest.raises(whiten.DivergedError):
        w.partial_fit(X[3:])
    assert snapshot(w) == before and np.array_equal(w.mean_, mean)
    with pytest.raises(whiten.DivergedError):
        w.filter(X[3:])
    assert snapshot(w) == before
    with pytest.raises(whiten.DivergedError):
        for x in X[3:]:
            w.step(x)
    assert w.mean_ is not None and w._net.center()[1] == w.n_samples_seen_
    refused = w.n_samples_seen_
    with pytest.raises(whiten.DivergedError):
        w.step(X[refused])   # the same sample again: refused again, nothing changes
    assert w._net.center()[1] == refused and w.n_samples_seen_ == refused


@pytest.mark.parametrize("net", ["gain", "gain-synapse"])
def test_gain_circuit_divergence_changes_nothing(net):
    """Small inputs: z o z stays below diag(W^T W), the gains fall until alpha I + W diag(g) W^T
    is no longer definite. The batch is refused whole: gains, synapses and mean as before."""
    X = diverging() + 1.0
    w = whiten.Whitener(net=net, eta=0.03, alpha=0.5).partial_fit(X[:3])
    before = snapshot(w)
    with pytest.raises(whiten.DivergedError) as info:
        w.partial_fit(X[3:])
    assert 3 <= info.value.sample < 400
    assert snapshot(w) == before and w.n_samples_seen_ == 3
