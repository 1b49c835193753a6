"""Against mathematical oracles: M -> C^{1/2}, identity output covariance, the flows' closed
forms; and the GIL released while the library learns."""
import threading
import time

import numpy as np
import pytest
from scipy.linalg import sqrtm

import whiten
from conftest import gaussian


@pytest.mark.parametrize("net", ["direct", "interneuron"])
def test_learns_the_square_root_of_c(net):
    X, _ = gaussian(60000, 4, spread=(0.5, 2.0))
    w = whiten.Whitener(net=net, eta=2e-4, passes=3).fit(X)
    root = sqrtm(X.T @ X / len(X)).real   # the data's own C: the noise floor is eta's only
    rel = np.linalg.norm(w.M_ - root) / np.linalg.norm(root)
    assert rel < 0.05, rel
    Y = w.transform(X)
    cov = Y.T @ Y / len(Y)
    assert np.linalg.norm(cov - np.eye(4), 2) < 0.1
    np.testing.assert_allclose(w.inverse_transform(Y), X, rtol=0, atol=1e-12 * np.abs(X).max())
    assert np.allclose(w.M_, w.M_.T, rtol=0, atol=0) and np.all(np.linalg.eigvalsh(w.M_) > 0)


def test_interneuron_weights_give_m():
    X, _ = gaussian(3000, 5)
    w = whiten.Whitener(k=11, eta=2e-3).fit(X)
    assert w.W_.shape == (5, 11)
    np.testing.assert_allclose(w.W_ @ w.W_.T, w.M_, rtol=1e-12, atol=1e-14)
    assert whiten.Whitener(net="direct").fit(X).W_ is None


def test_transform_is_the_equilibrium():
    X, _ = gaussian(500, 6)
    X = X + 3.5
    w = whiten.Whitener(eta=3e-3).fit(X)
    np.testing.assert_allclose(w.mean_, X.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(w.transform(X), np.linalg.solve(w.M_, (X - w.mean_).T).T,
                               rtol=1e-11, atol=1e-13)
    raw = whiten.Whitener(eta=3e-3, center=False).fit(X)
    assert raw.mean_ is None
    np.testing.assert_allclose(raw.transform(X), np.linalg.solve(raw.M_, X.T).T, rtol=1e-11,
                               atol=1e-13)


def test_init_scale_and_first_output():
    x = np.array([2.385, -1.25, 0.5])
    w = whiten.Whitener(net="direct", init_scale=4.0, eta=0.01, center=False)
    y = w.filter(x[None, :])[0]
    np.testing.assert_allclose(y, x / 4.0, rtol=1e-15)           # y = M0^{-1} x
    M1 = 4.0 * np.eye(3) + 0.01 * (np.outer(y, y) - np.eye(3))     # M <- M + eta (y y^T - I)
    np.testing.assert_allclose(w.M_, M1, rtol=1e-15)


@pytest.mark.parametrize("window", [0.0, 2.0, 7.0])
def test_running_mean_is_the_formula(window):
    """filter(): mu_t = mu_{t-1} + (x_t - mu_{t-1}) / min(t, window) first, then
    y = M^{-1} (x_t - mu_t) and M <- M + eta (y y^T - I): replayed in numpy (direct, exact)."""
    X, _ = gaussian(200, 3)
    X = X + np.array([5.0, -2.385, 0.75]) + np.linspace(0, 3, 200)[:, None]   # a drifting mean
    eta = 0.01
    w = whiten.Whitener(net="direct", solver="exact", eta=eta, center_window=window)
    Y = w.filter(X)
    M, mu = np.eye(3), np.zeros(3)
    for t, x in enumerate(X, start=1):
        mu = mu + (x - mu) / (t if window == 0 else min(t, window))
        y = np.linalg.solve(M, x - mu)
        np.testing.assert_allclose(Y[t - 1], y, rtol=1e-9, atol=1e-12)
        M = M + eta * (np.outer(y, y) - np.eye(3))
    np.testing.assert_allclose(w.mean_, mu, rtol=1e-12)
    np.testing.assert_allclose(w.M_, M, rtol=1e-10)
    if window == 0:
        np.testing.assert_allclose(w.mean_, X.mean(axis=0), rtol=1e-12)
    # The window is the state's too, and the mean goes on from where it was.
    step = whiten.Whitener(net="direct", solver="exact", eta=eta, center_window=window)
    step.partial_fit(X[:1])
    ys = np.array([step.step(x) for x in X[1:]])
    np.testing.assert_array_equal(ys, Y[1:])
    np.testing.assert_array_equal(step.mean_, w.mean_)


def test_fit_subtracts_the_exact_mean_then_goes_on_with_the_window():
    X, _ = gaussian(1000, 3)
    X = X + 1e6   # a mean large against the spread: the exact mean is still exact
    w = whiten.Whitener(net="direct", eta=2e-3, center_window=10.0).fit(X)
    import math
    exact = np.array([math.fsum(column) / len(column) for column in X.T])   # correctly rounded
    np.testing.assert_allclose(w.mean_, exact, rtol=1e-15)
    Y = w.transform(X)
    assert np.abs(Y.mean(axis=0)).max() < 1e-8
    before = w.mean_.copy()
    x = X[0] + 100.0
    w.partial_fit(x[None, :])   # the mean of 1000 samples, then a window of 10: 1/10 of it
    np.testing.assert_allclose(w.mean_, before + (x - before) / 10.0, rtol=1e-14)


@pytest.mark.parametrize("net", ["direct", "interneuron"])
def test_flow_matches_the_closed_form(net):
    lam = np.array([0.5, 2.0, 8.0])
    f = whiten.flow(net, eigenvalues=lam, init_scale=10.0, t=np.linspace(0, 3, 7))
    for i, t in enumerate(f.t):
        m = np.array([whiten._whiten.mode(0 if net == "direct" else 1, l, 10.0, t) for l in lam])
        np.testing.assert_allclose(np.sort(m), f.eigenvalues[i], rtol=1e-8)
    if net == "interneuron":   # m(t)^2 = lambda + (m0^2 - lambda) e^{-4t}
        m = np.sqrt(lam + (100.0 - lam) * np.exp(-4 * 3.0))
        np.testing.assert_allclose(f.eigenvalues[-1], np.sort(m), rtol=1e-8)
    err = np.linalg.norm(np.linalg.solve(f.M[-1], np.linalg.solve(f.M[-1], np.diag(lam)).T)
                         - np.eye(3), 2)
    assert abs(err - f.error[-1]) < 1e-10 * max(1, err)
    closed = whiten.convergence_time(net, eigenvalues=lam, init_scale=10.0)
    numerical = whiten.convergence_time(net, eigenvalues=lam, init_scale=10.0,
                                        method="numerical")
    assert abs(closed - numerical) < 1e-7 * closed, (closed, numerical)
    assert f.closed_form_time == closed


def test_interneurons_logarithmic_direct_linear():
    lam = [0.5, 2.0]
    t = {(net, a): whiten.convergence_time(net, eigenvalues=lam, init_scale=a)
         for net in ("direct", "interneuron") for a in (100.0, 1000.0)}
    # T ~ alpha for the direct network, T ~ (1/2) ln alpha for interneurons.
    assert 9.5 < t["direct", 1000.0] / t["direct", 100.0] < 10.5
    assert abs(t["interneuron", 1000.0] - t["interneuron", 100.0] - 0.5 * np.log(10)) < 1e-3


def test_flow_with_a_full_covariance():
    _, C = gaussian(10, 4)
    f = whiten.flow("interneuron", C=C, init_scale=3.0)
    assert np.isnan(f.closed_form_time)         # C is not diagonal: no closed form here
    assert f.error[-1] <= 0.01 + 1e-9 and f.t[-1] == f.convergence_time
    np.testing.assert_allclose(f.M[-1], sqrtm(C).real, rtol=0.02)
    closed = whiten.convergence_time("interneuron", C=C, init_scale=3.0)   # M0 = aI commutes
    assert abs(closed - f.convergence_time) < 1e-7 * closed


def test_flow_bad_input():
    with pytest.raises(ValueError, match="not both"):
        whiten.flow(C=np.eye(2), eigenvalues=[1, 2])
    with pytest.raises(ValueError, match="eigenvalues must be finite and > 0"):
        whiten.flow(eigenvalues=[1, -2])
    with pytest.raises(ValueError, match="not positive definite|WH_ENOTPD"):
        whiten.flow(C=np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="ascending"):
        whiten.flow(eigenvalues=[1, 2], t=[0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="method must be"):
        whiten.convergence_time(eigenvalues=[1.0], method="guess")


def test_gil_is_released_while_learning():
    X, _ = gaussian(400000, 16)
    w = whiten.Whitener()
    w.partial_fit(X[:1])
    done = threading.Event()
    ticks = []

    def fit():
        w.partial_fit(X)
        done.set()

    t = threading.Thread(target=fit)
    t.start()
    time.sleep(0.02)
    while not done.is_set():
        ticks.append(time.perf_counter())
    t.join()
    # With the GIL held for the whole call this thread would not run until it returned.
    assert len(ticks) > 1000, len(ticks)


def test_decay_schedule_is_the_formula():
    """eta_t = eta / (1 + (t - t0)/tau)^gamma: replayed in numpy, step by step (direct)."""
    X, _ = gaussian(300, 3)
    eta, tau, gamma, t0 = 0.02, 25.0, 0.75, 40
    w = whiten.Whitener(net="direct", solver="exact", eta=eta, schedule="decay", tau=tau,
                        gamma=gamma, schedule_start=t0, center=False)
    Y = w.filter(X)
    M = np.eye(3)
    for t, x in enumerate(X):
        y = np.linalg.solve(M, x)
        np.testing.assert_allclose(Y[t], y, rtol=1e-9, atol=1e-12)
        rate = eta if t < t0 else eta / (1 + (t - t0) / tau) ** gamma
        M = M + rate * (np.outer(y, y) - np.eye(3))
    np.testing.assert_allclose(w.M_, M, rtol=1e-10)
    # A constant schedule is a different network.
    assert not np.allclose(whiten.Whitener(net="direct", eta=eta, center=False).fit(X).M_, M,
                           rtol=1e-3)


def test_decay_settles_below_the_constant_noise_floor():
    X, _ = gaussian(100000, 4, spread=(0.5, 2.0))
    C = X.T @ X / len(X)
    err = {}
    for sched in ("constant", "decay"):
        w = whiten.Whitener(eta=1e-2, schedule=sched, tau=2000.0).fit(X)
        F = np.linalg.inv(w.M_)
        err[sched] = np.linalg.norm(F @ C @ F.T - np.eye(4), 2)
    assert err["decay"] < 0.5 * err["constant"], err


def test_schedule_and_mean_survive_pickle_and_save(tmp_path):
    import pickle
    X, _ = gaussian(500, 3)
    X = X + 2.0
    w = whiten.Whitener(schedule="decay", tau=100.0, gamma=0.6, center_window=50.0)
    w.partial_fit(X[:200])
    c = pickle.loads(pickle.dumps(w))
    assert c._net.schedule == (1, 100.0, 0.6, 0)
    w.save(tmp_path / "S.npz")
    s = whiten.load(tmp_path / "S.npz")
    assert s._net.schedule == (1, 100.0, 0.6, 0) and s.center_window == 50.0
    assert s.get_params()["schedule"] == "decay" and s.get_params()["gamma"] == 0.6
    a = w.partial_fit(X[200:])
    for other in (c, s):
        other.partial_fit(X[200:])
        np.testing.assert_array_equal(a.M_, other.M_)
        np.testing.assert_array_equal(a.mean_, other.mean_)


@pytest.mark.parametrize("net", ["gain", "gain-synapse"])
def test_gain_circuits_learn_the_square_root_and_the_optimal_gains(net):
    """M = alpha I + W diag(g) W^T -> C^{1/2} of the centred data; for the fixed frame the
    gains -> g* of the closed form (wh_gain_optimum), which itself gives C^{1/2} exactly."""
    X, _ = gaussian(60000, 3, spread=(0.5, 2.0))
    X = X + 1.5
    C = np.cov(X.T, bias=True)
    root = sqrtm(C).real
    w = whiten.Whitener(net=net, eta=2e-3, eta_w=2e-3, passes=2, schedule="decay",
                        tau=2000.0).fit(X)
    rel = np.linalg.norm(w.M_ - root) / np.linalg.norm(root)
    assert rel < 0.05, rel
    g = whiten.gain_optimum(w.W_, 1.0, C)
    if net == "gain":
        np.testing.assert_allclose(np.eye(3) + (w.W_ * g) @ w.W_.T, root, rtol=0, atol=1e-12)
        assert np.abs(w.g_ - g).max() < 0.03 * np.abs(g).max(), (w.g_, g)
    np.testing.assert_allclose(w.M_, np.eye(3) + (w.W_ * w.g_) @ w.W_.T, rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("net,k,n", [("gain-synapse", None, 40), ("gain-synapse", None, 96),
                                     ("gain", 120, 40)])
def test_gain_lateral_of_a_step_that_did_not_form_it(net, k, n, tmp_path):
    """From n = 33 to 96 a dense frame's step factors M straight from W and g and forms M
    only when it is read: M_ is alpha I + W diag(g) W^T by numpy's sums, reading it changes
    nothing the learning uses, and save -> load -> continue equals the run never saved."""
    X, _ = gaussian(900, n, seed=3.17)
    make = lambda: whiten.Whitener(net=net, k=k, eta=2e-3, alpha=0.75, random_state=5)
    a, b = make(), make()
    a.partial_fit(X[:500])
    b.partial_fit(X[:500])
    oracle = 0.75 * np.eye(n) + (a.W_ * a.g_) @ a.W_.T
    assert not np.all(a.g_ == 1.0)   # all-ones gains take Algorithm 2's product instead
    np.testing.assert_allclose(a.M_, oracle, rtol=0, atol=1e-12 * np.abs(oracle).max())
    a.save(tmp_path / "S.npz")
    np.testing.assert_array_equal(np.load(tmp_path / "S.npz")["M"], a.M_)
    c = whiten.load(tmp_path / "S.npz")
    ya, yb, yc = (w.filter(X[500:]) for w in (a, b, c))   # outputs of a learning pass
    assert ya.tobytes() == yb.tobytes() == yc.tobytes()
    for name in ("M_", "W_", "g_"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes() == \
            getattr(c, name).tobytes(), name
