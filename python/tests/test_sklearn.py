"""scikit-learn's own estimator checks, and Whitener inside Pipeline and GridSearchCV."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import whiten

# Every network and solver the library has, centred (the default) or not, with the
# defaults of `whiten fit` ("auto"). No check is skipped: all of them apply.
ESTIMATORS = [
    whiten.Whitener(net="interneuron"),
    whiten.Whitener(net="interneuron", solver="exact", random_state=5, center=False),
    whiten.Whitener(net="direct"),
    whiten.Whitener(net="direct", solver="fast", center=False),
    whiten.Whitener(schedule="decay", tau=50.0, gamma=0.8),
    whiten.Whitener(schedule="decay", init_scale="auto", passes="auto", center_window=0),
    whiten.Whitener(net="gain"),
    whiten.Whitener(net="gain", frame="random", k=4, alpha=0.5, center=False),
    whiten.Whitener(net="gain-synapse"),
    whiten.Whitener(net="gain-synapse", eta_g=0.01, eta_w=0.002, k=6),
    whiten.Whitener(average=0.5, ridge=0.01),
    whiten.Whitener(net="direct", average=1.0, schedule="decay", center=False),
    whiten.Whitener(net="gain", average=0.25, ridge=0.1),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_check(estimator, check):
    check(estimator)


def test_params_round_trip():
    w = whiten.Whitener(net="direct", eta=0.0123, passes=3, k=9, random_state=4)
    c = clone(w)
    assert c.get_params() == w.get_params()
    c.set_params(eta=0.5, net="interneuron")
    assert (c.eta, c.net, w.eta, w.net) == (0.5, "interneuron", 0.0123, "direct")


def two_classes(samples, seed):
    """Two classes that differ along a weak direction hidden under a strong one."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, samples)
    X = rng.standard_normal((samples, 4)) * [30.0, 0.3, 1.0, 5.0]
    X[:, 1] += np.where(y == 1, 0.25, -0.25)
    R, _ = np.linalg.qr(np.random.default_rng(7).standard_normal((4, 4)))
    return X @ R.T, y


def test_pipeline_before_classifier():
    X, y = two_classes(6000, 1)
    Xt, yt = two_classes(2000, 2)
    pipe = make_pipeline(whiten.Whitener(eta=3e-3, passes=2), KNeighborsClassifier(25))
    score = pipe.fit(X, y).score(Xt, yt)
    raw = KNeighborsClassifier(25).fit(X, y).score(Xt, yt)
    # The classes sit +-0.25 apart along a direction of standard deviation 0.3 (Bayes
    # accuracy Phi(0.25 / 0.3) = 0.80); unwhitened, distances see only the strong directions.
    assert score > 0.7 and raw < 0.6, (score, raw)
    W = pipe.named_steps["whitener"]
    Y = W.transform(X)
    cov = Y.T @ Y / len(Y)
    assert np.abs(cov - np.eye(4)).max() < 0.25, cov


def test_grid_search_over_eta():
    X, y = two_classes(3000, 3)
    pipe = make_pipeline(whiten.Whitener(passes=1), KNeighborsClassifier(25))
    # eta 1e-6 barely moves M from I (the direction is buried); 3e-3 whitens.
    grid = GridSearchCV(pipe, {"whitener__eta": [1e-6, 3e-3]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_ == {"whitener__eta": 3e-3}, grid.cv_results_["mean_test_score"]
    assert grid.best_estimator_.named_steps["whitener"].n_samples_seen_ == 3000
