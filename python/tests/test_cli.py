"""The same bits as the command line and as the C library's wh_net_step sequence."""
import numpy as np
import pytest

import whiten
from conftest import gaussian

# (net, n, k, solver, eta, refresh, center): sample-by-sample paths, the blocked fast path
# (n >= 40), the direct network's exact and fast solvers, the gain circuits; refreshes inside
# the data; centred (the default on both sides) and not.
CASES = [
    ("interneuron", 5, 9, "auto", 2.5e-3, 0, True),
    ("interneuron", 48, 48, "auto", 1e-3, 300, True),
    ("interneuron", 6, 6, "exact", 4e-3, 0, False),
    ("direct", 5, 0, "auto", 2.5e-3, 0, True),
    ("direct", 7, 0, "fast", 2e-3, 0, False),
    ("gain", 4, 0, "auto", 3e-3, 0, True),
    ("gain", 48, 0, "auto", 1e-3, 0, True),   # auto runs the fast path (CG) from n = 33
    ("gain-synapse", 4, 0, "auto", 3e-3, 0, True),
    ("gain-synapse", 40, 0, "auto", 1e-3, 0, True),  # n 33-96: M factored, formed when read
    ("gain", 40, 120, "exact", 1e-3, 0, False),      # a random frame (K != n(n+1)/2), likewise
]
IDS = [f"{c[0]}-n{c[1]}-{c[3]}-{'centred' if c[6] else 'raw'}" for c in CASES]


def options(net, k, solver, eta, refresh, center, passes=None):
    # `whiten fit` decays its rate by default and takes its initial scale from the data; the
    # estimator's defaults are a constant rate and init_scale=1: both sides say which.
    args = ["--net", net, "--eta", repr(eta), "--solver", solver, "--refresh", refresh,
            "--k", k, "--init-scale", 1.5, "--seed", 11, "--schedule", "constant"]
    args += [] if center else ["--no-center"]
    return args + (["--passes", passes] if passes else [])


def estimator(net, k, solver, eta, refresh, center, passes=1):
    return whiten.Whitener(net=net, k=k or None, solver=solver, eta=eta, refresh=refresh,
                           init_scale=1.5, random_state=11, passes=passes, center=center)


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def same_network(w, saved):
    """The estimator holds the saved network, every array to the bit."""
    ok = same_bits(w.M_, saved["M"])
    if "W" in saved.files:
        ok = ok and same_bits(w.W_, saved["W"])
    if "g" in saved.files:
        ok = ok and same_bits(w.g_, saved["g"])
    if "mean" in saved.files:
        ok = ok and same_bits(w.mean_, saved["mean"])
    return ok and ("mean" in saved.files) == (w.mean_ is not None)


def data(n, seed, rows):
    X, _ = gaussian(rows, n, seed=seed)
    return X + np.linspace(-2.5, 4.0, n)   # a mean to take away


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fit_and_apply_equal_the_cli(case, tmp_path, run_cli):
    net, n, k, solver, eta, refresh, center = case
    X, Xnew = data(n, n, 1500), data(n, n + 1, 300)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Xnew.npy", Xnew)
    run_cli("fit", "--data", tmp_path / "X.npy", "--state", tmp_path / "S.npz", "--quiet",
            *options(net, k, solver, eta, refresh, center, passes=2))
    w = estimator(net, k, solver, eta, refresh, center, passes=2).fit(X)
    assert same_network(w, np.load(tmp_path / "S.npz"))
    assert w.n_samples_seen_ == 3000
    run_cli("apply", "--state", tmp_path / "S.npz", "--data", tmp_path / "Xnew.npy",
            "--out", tmp_path / "Y.npy", "--quiet")
    assert same_bits(w.transform(Xnew), np.load(tmp_path / "Y.npy"))
    # The CLI's state loads in Python and whitens to the same bits ...
    loaded = whiten.load(tmp_path / "S.npz")
    assert same_bits(loaded.transform(Xnew), np.load(tmp_path / "Y.npy"))
    # ... maps outputs back as `whiten apply --inverse` does ...
    run_cli("apply", "--state", tmp_path / "S.npz", "--data", tmp_path / "Y.npy",
            "--out", tmp_path / "Xback.npy", "--inverse", "--quiet")
    assert same_bits(loaded.inverse_transform(np.load(tmp_path / "Y.npy")),
                     np.load(tmp_path / "Xback.npy"))
    # ... and keeps learning as `whiten apply --learn` does (the mean learning too, over the
    # window the state gives it: 0 for a fit, the exact mean of every sample), to the same
    # bits.
    assert loaded.center == center and (loaded.center_window == 0.0 or not center)
    run_cli("apply", "--state", tmp_path / "S.npz", "--data", tmp_path / "Xnew.npy",
            "--out", tmp_path / "Ylearn.npy", "--learn", "--save-state", tmp_path / "S2.npz",
            "--quiet", *(["--center-window", 0] if center else []))
    assert same_bits(loaded.filter(Xnew), np.load(tmp_path / "Ylearn.npy"))
    assert same_network(loaded, np.load(tmp_path / "S2.npz"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_python_state_drives_the_cli(case, tmp_path, run_cli):
    net, n, k, solver, eta, refresh, center = case
    X, Xnew = data(n, n + 2, 1000), data(n, n + 3, 200)
    np.save(tmp_path / "Xnew.npy", Xnew)
    w = estimator(net, k, solver, eta, refresh, center)
    for batch in np.array_split(X, 7):   # uneven batches, none a multiple of 64
        w.partial_fit(batch)
    w.save(tmp_path / "P.npz")
    assert same_network(w, np.load(tmp_path / "P.npz"))
    run_cli("apply", "--state", tmp_path / "P.npz", "--data", tmp_path / "Xnew.npy",
            "--out", tmp_path / "Y.npy", "--quiet")
    assert same_bits(w.transform(Xnew), np.load(tmp_path / "Y.npy"))
    run_cli("apply", "--state", tmp_path / "P.npz", "--data", tmp_path / "Xnew.npy",
            "--out", tmp_path / "Ylearn.npy", "--learn", "--save-state", tmp_path / "P2.npz",
            "--quiet", *(["--center-window", 1000] if center else []))
    assert same_bits(w.filter(Xnew), np.load(tmp_path / "Ylearn.npy"))
    assert same_network(w, np.load(tmp_path / "P2.npz"))
    assert whiten.load(tmp_path / "P2.npz").n_samples_seen_ == 1200


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_filter_and_step_equal_a_wh_net_step_sequence(case, run_cli):
    """`whiten stream --binary f64` runs the running mean and wh_net_step once per sample:
    the C library's own step sequence. filter() and step() must print the same bits."""
    net, n, k, solver, eta, refresh, center = case
    X = data(n, n + 4, 700)
    out = run_cli("stream", "--n", n, "--binary", "f64",
                  *options(net, k, solver, eta, refresh, center),
                  stdin=X.astype("<f8").tobytes())
    Yc = np.frombuffer(out, dtype="<f8").reshape(X.shape)
    assert same_bits(estimator(net, k, solver, eta, refresh, center).filter(X), Yc)
    w = estimator(net, k, solver, eta, refresh, center).partial_fit(X[:1])  # builds, learns row 0
    Ys = np.array([w.step(x) for x in X[1:]])
    assert same_bits(Ys, Yc[1:])


@pytest.mark.parametrize("net", ["interneuron", "direct", "gain", "gain-synapse"])
def test_fit_defaults_of_the_cli(net, tmp_path, run_cli):
    """`whiten fit`'s own defaults (centred, eta decaying with the automatic tau for the
    paper's circuits and constant for the gain circuits, the initial scale from the data,
    passes for 100000 samples) are the estimator's schedule="decay" (or "constant"),
    init_scale="auto", passes="auto": the same bits."""
    X = data(5, 13, 1500) * [1.0, 0.3, 2.0, 5.0, 0.7]
    np.save(tmp_path / "X.npy", X)
    run_cli("fit", "--data", tmp_path / "X.npy", "--state", tmp_path / "S.npz", "--quiet",
            "--net", net)
    schedule = "constant" if net.startswith("gain") else "decay"
    w = whiten.Whitener(net=net, schedule=schedule, init_scale="auto", passes="auto").fit(X)
    saved = np.load(tmp_path / "S.npz")
    assert same_network(w, saved) and w.n_samples_seen_ == 67 * 1500
    assert w.get_params()["center"] and w._net.schedule[0] == (schedule == "decay")
    if schedule == "decay":
        # A different tau is a different network: the automatic one is really taken.
        other = whiten.Whitener(net=net, schedule="decay", tau=77.0, init_scale="auto",
                                passes="auto").fit(X)
        assert not np.array_equal(other.M_, w.M_)
    else:
        # ... and for the gain circuits the init scale does not matter: alpha I starts them.
        other = whiten.Whitener(net=net, init_scale=3.0, passes="auto").fit(X)
        assert np.array_equal(other.M_, w.M_)


def test_center_window_of_a_fit_state(tmp_path, run_cli):
    """The one default kept apart from `whiten fit`'s: after fit, the CLI's state carries the
    window 0 (the exact mean, never updated), the estimator's 1000 (the running mean of
    `whiten stream`, which its other learning defaults share). center_window=0 writes the
    CLI's state exactly, the window and count of the mean included, and continues as the CLI
    continues it."""
    import json
    X, Xnew = data(4, 21, 900), data(4, 22, 300) + 3.0   # the mean then moves
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Xnew.npy", Xnew)
    run_cli("fit", "--data", tmp_path / "X.npy", "--state", tmp_path / "S.npz", "--quiet",
            *options("interneuron", 4, "auto", 2e-3, 0, True, passes=1))
    cli = json.loads(np.load(tmp_path / "S.npz")["meta.json"])["center"]
    assert cli == {"window": 0, "count": "900"}
    kw = dict(k=4, eta=2e-3, init_scale=1.5, random_state=11)
    w = whiten.Whitener(center_window=0, **kw).fit(X)
    w.save(tmp_path / "P.npz")
    assert json.loads(np.load(tmp_path / "P.npz")["meta.json"])["center"] == cli
    default = whiten.Whitener(**kw).fit(X)
    assert default._export()[0]["center"] == {"window": 1000.0, "count": "900"}
    out = run_cli("stream", "--state", tmp_path / "S.npz", "--binary", "f64",
                  stdin=Xnew.astype("<f8").tobytes())
    Y = np.frombuffer(out, dtype="<f8").reshape(Xnew.shape)
    assert same_bits(w.filter(Xnew), Y)
    assert not same_bits(default.filter(Xnew), Y)


@pytest.mark.parametrize("frame", ["pairs", "random", "file"])
@pytest.mark.parametrize("net", ["gain", "gain-synapse"])
def test_gain_frames_and_parameters_equal_the_cli(net, frame, tmp_path, run_cli):
    n = 3
    X = data(n, 17, 2000)
    np.save(tmp_path / "X.npy", X)
    F = np.random.default_rng(5).standard_normal((n, 7))
    np.save(tmp_path / "F.npy", F)
    k = 6 if frame == "pairs" else 7
    run_cli("fit", "--data", tmp_path / "X.npy", "--state", tmp_path / "S.npz", "--quiet",
            "--net", net, "--schedule", "constant", "--init-scale", 1, "--passes", 2,
            "--frame", tmp_path / "F.npy" if frame == "file" else frame, "--K", k,
            "--alpha", 0.75, "--eta-g", 4e-3, "--eta-w", 2e-3, "--seed", 3)
    w = whiten.Whitener(net=net, frame=F if frame == "file" else frame, k=k, alpha=0.75,
                        eta_g=4e-3, eta_w=2e-3, random_state=3, passes=2).fit(X)
    saved = np.load(tmp_path / "S.npz")
    assert same_network(w, saved)
    assert w.W_.shape == (n, k) and w.g_.shape == (k,)
    # M = alpha I + W diag(g) W^T, the circuit's own definition.
    np.testing.assert_allclose(w.M_, 0.75 * np.eye(n) + (w.W_ * w.g_) @ w.W_.T, rtol=1e-12,
                               atol=1e-14)
    if net == "gain":
        assert same_bits(w.W_, F if frame == "file" else saved["W"])
    w.save(tmp_path / "P.npz")
    run_cli("apply", "--state", tmp_path / "P.npz", "--data", tmp_path / "X.npy",
            "--out", tmp_path / "Y.npy", "--learn", "--save-state", tmp_path / "P2.npz",
            "--quiet", "--center-window", 1000)
    assert same_bits(w.filter(X), np.load(tmp_path / "Y.npy"))
    assert same_network(w, np.load(tmp_path / "P2.npz"))


def test_inverse_transform_undoes_transform():
    for net in ("interneuron", "direct", "gain", "gain-synapse"):
        X = data(6, 21, 3000) * 10.0
        w = whiten.Whitener(net=net, eta=2e-3).fit(X)
        back = w.inverse_transform(w.transform(X))
        rel = np.abs(back - X).max() / np.abs(X).max()
        assert rel < 1e-10, (net, rel)
        # Without the mean added back the inverse would be off by it.
        assert np.abs(back - w.mean_ - X).max() > 1.0


def test_partial_fit_in_chunks_of_64_equals_fit(tmp_path):
    """fit's chunks end at multiples of 64 samples, so batches cut there give the same bits
    (uncentred: fit's mean is the exact one, partial_fit's a running one)."""
    X, _ = gaussian(1000, 48, seed=9)
    a = whiten.Whitener(eta=2e-3, center=False).fit(X)
    b = whiten.Whitener(eta=2e-3, center=False)
    for start in range(0, 1000, 192):
        b.partial_fit(X[start:start + 192])
    assert same_bits(a.M_, b.M_) and same_bits(a.W_, b.W_)
    # Other cuts agree to rounding only (the blocked path's products are regrouped).
    c = whiten.Whitener(eta=2e-3, center=False)
    for batch in np.array_split(X, 13):
        c.partial_fit(batch)
    assert np.allclose(a.M_, c.M_, rtol=1e-12, atol=1e-14)


def test_flow_equals_the_cli(run_cli):
    import json
    for net in ("direct", "interneuron"):
        out = json.loads(run_cli("flow", "--net", net, "--eigenvalues", "0.5,2,8",
                                 "--init-scale", 100, "--json"))
        f = whiten.flow(net, eigenvalues=[0.5, 2, 8], init_scale=100.0)
        assert f.convergence_time == out["convergence_time"], (f.convergence_time, out)
        assert f.closed_form_time == out["closed_form_time"]


def test_a_centred_state_loads(tmp_path, run_cli):
    """A centred state (the default) loads with its mean and whitens the data."""
    X, _ = gaussian(600, 3, seed=4)
    X = X + [5.0, -3.0, 10.0]
    np.save(tmp_path / "X.npy", X)
    run_cli("fit", "--data", tmp_path / "X.npy", "--state", tmp_path / "C.npz", "--quiet")
    w = whiten.load(tmp_path / "C.npz")
    np.testing.assert_allclose(w.mean_, X.mean(axis=0), rtol=1e-14)
    Y = w.transform(X)
    assert np.abs(Y.mean(axis=0)).max() < 1e-12


# (net, n, k, center): the per-sample and blocked (n >= 40) interneuron paths, the direct
# network, gain modulation; centred and not.
STAGE_CASES = [("interneuron", 5, 9, True), ("interneuron", 48, 48, False),
               ("direct", 5, 0, False), ("gain", 4, 0, True)]
STAGE_IDS = [f"{c[0]}-n{c[1]}" for c in STAGE_CASES]


@pytest.mark.parametrize("case", STAGE_CASES, ids=STAGE_IDS)
def test_ridge_equals_the_cli_and_goes_on_from_its_state(case, tmp_path, run_cli):
    """`whiten fit --ridge` adds N(0, ridge) noise to every learned sample (the library's
    wh_ridge_noise, seeded by --seed): Whitener(ridge=...) gives the same bits, its state
    loads both ways, and learning goes on with the same noise (`apply --learn`)."""
    net, n, k, center = case
    X, Xnew = data(n, n + 5, 1300), data(n, n + 6, 200)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Xnew.npy", Xnew)
    run_cli("fit", "--data", tmp_path / "X.npy", "--state", tmp_path / "R.npz", "--quiet",
            "--ridge", "0.37", *options(net, k, "auto", 2e-3, 0, center, passes=2))
    w = whiten.Whitener(net=net, k=k or None, eta=2e-3, init_scale=1.5, random_state=11,
                        passes=2, center=center, ridge=0.37).fit(X)
    saved = np.load(tmp_path / "R.npz")
    assert same_network(w, saved)
    # The noise is there: without it the network is another one.
    plain = whiten.Whitener(net=net, k=k or None, eta=2e-3, init_scale=1.5, random_state=11,
                            passes=2, center=center).fit(X)
    assert not same_bits(plain.M_, w.M_)
    loaded = whiten.load(tmp_path / "R.npz")
    assert loaded.ridge == 0.37 and loaded.random_state == 11
    run_cli("apply", "--state", tmp_path / "R.npz", "--data", tmp_path / "Xnew.npy",
            "--out", tmp_path / "Y.npy", "--learn", "--save-state", tmp_path / "R2.npz",
            "--quiet", *(["--center-window", 0] if center else []))   # the fit's window;
    assert same_bits(loaded.filter(Xnew), np.load(tmp_path / "Y.npy"))  # the state's ridge
    assert same_network(loaded, np.load(tmp_path / "R2.npz"))
    # ... and the reverse: Python's state, continued by the command line.
    w.save(tmp_path / "P.npz")
    run_cli("apply", "--state", tmp_path / "P.npz", "--data", tmp_path / "Xnew.npy",
            "--out", tmp_path / "Yp.npy", "--learn", "--quiet",
            *(["--center-window", 1000] if center else []))
    assert same_bits(w.filter(Xnew), np.load(tmp_path / "Yp.npy"))


@pytest.mark.parametrize("fraction", [0.3, 1.0])
@pytest.mark.parametrize("case", STAGE_CASES, ids=STAGE_IDS)
def test_average_equals_the_cli(case, fraction, tmp_path, run_cli):
    """`whiten fit --average F` keeps the Polyak-Ruppert average of M over the last F of the
    fit's samples (the library's wh_average, over the same 64-sample chunks): the same bits
    in Whitener(average=F).fit, and the average is not the last M."""
    net, n, k, center = case
    X, Xnew = data(n, n + 7, 1000), data(n, n + 8, 100)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Xnew.npy", Xnew)
    run_cli("fit", "--data", tmp_path / "X.npy", "--state", tmp_path / "A.npz", "--quiet",
            "--average", fraction, *options(net, k, "auto", 3e-3, 0, center, passes=3))
    params = dict(net=net, k=k or None, eta=3e-3, init_scale=1.5, random_state=11, passes=3,
                  center=center)
    w = whiten.Whitener(average=fraction, **params).fit(X)
    assert same_network(w, np.load(tmp_path / "A.npz"))
    run_cli("apply", "--state", tmp_path / "A.npz", "--data", tmp_path / "Xnew.npy",
            "--out", tmp_path / "Y.npy", "--quiet")
    assert same_bits(w.transform(Xnew), np.load(tmp_path / "Y.npy"))
    last = whiten.Whitener(**params).fit(X)
    assert not np.allclose(w.M_, last.M_, rtol=1e-6)
    if net == "direct" or net == "gain":
        # The average of the chunks' M is M at the chunk ends, averaged: close to the last M
        # within the noise floor, and the identity's scale is kept.
        assert np.allclose(w.M_, last.M_, atol=0.5)


def test_average_refusals():
    X, _ = gaussian(200, 3, seed=9)
    with pytest.raises(ValueError, match="gains plus synapses have no average"):
        whiten.Whitener(net="gain-synapse", average=0.5).fit(X)
    for bad in (-0.1, 1.5, float("nan"), "half", True):
        with pytest.raises(ValueError, match="average must be a fraction"):
            whiten.Whitener(average=bad).fit(X)
    for bad in (-1.0, float("inf"), "x"):
        with pytest.raises(ValueError, match="ridge must be a variance"):
            whiten.Whitener(ridge=bad).fit(X)


def test_one_blas_thread_while_the_library_runs_and_the_callers_count_back(run_cli):
    """OpenBLAS splits some products over its threads differently by their number; `whiten`
    runs one, so the extension runs one while the library learns (the bits of the command
    line, test above with n = 48) and gives numpy its own count back afterwards."""
    import ctypes
    blas = ctypes.CDLL("libopenblas.so.0")
    before = blas.openblas_get_num_threads()
    blas.openblas_set_num_threads(2)
    try:
        n = 40   # direct network, fast path (conjugate gradients, dsymv) from n = 30
        X = data(n, 31, 400)
        out = run_cli("stream", "--n", n, "--binary", "f64", "--net", "direct", "--eta",
                      "1e-3", "--solver", "fast", "--schedule", "constant", "--no-center",
                      stdin=X.astype("<f8").tobytes())
        w = whiten.Whitener(net="direct", eta=1e-3, solver="fast", center=False)
        assert same_bits(w.filter(X), np.frombuffer(out, dtype="<f8").reshape(X.shape))
        assert blas.openblas_get_num_threads() == 2
        w.step(X[0])
        assert blas.openblas_get_num_threads() == 2
    finally:
        blas.openblas_set_num_threads(before)


def test_gain_fast_state_with_foreign_gains_is_refused(tmp_path):
    """A fast gain path's solver_state carries the gains first: other gains than g.npy's
    (a member from another fit) are refused, as `whiten` refuses them (docs/bad-inputs.md)."""
    X = data(48, 33, 600)
    w = whiten.Whitener(net="gain", eta=1e-3).fit(X)
    w.save(tmp_path / "S.npz")
    import io
    import zipfile
    z = np.load(tmp_path / "S.npz")
    assert "solver_state" in z.files and same_bits(z["solver_state"][:w.g_.size], w.g_)
    whiten.load(tmp_path / "S.npz")   # its own state loads
    with zipfile.ZipFile(tmp_path / "S.npz") as src, \
            zipfile.ZipFile(tmp_path / "bad.npz", "w") as out:
        for name in src.namelist():
            member = src.read(name)
            if name == "solver_state.npy":
                a = np.load(io.BytesIO(member))
                a[:5] *= 1.5
                buf = io.BytesIO()
                np.save(buf, a)
                member = buf.getvalue()
            out.writestr(name, member)
    with pytest.raises(ValueError, match="solver_state does not belong to this gain network"):
        whiten.load(tmp_path / "bad.npz")
