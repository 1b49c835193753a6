"""Shared fixtures of the Python tests: the whiten tool, and data with a known covariance."""
import os
import subprocess

import numpy as np
import pytest


@pytest.fixture(scope="session")
def whiten_exe():
    exe = os.environ.get("WHITEN_EXE")
    if not exe or not os.access(exe, os.X_OK):
        pytest.fail("WHITEN_EXE must name the built whiten tool (meson test sets it)")
    return exe


@pytest.fixture(scope="session")
def run_cli(whiten_exe):
    def run(*args, stdin=None):
        r = subprocess.run([whiten_exe, *map(str, args)], input=stdin, capture_output=True,
                           env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        assert r.returncode == 0, (args, r.stderr.decode())
        return r.stdout
    return run


def gaussian(samples, n, seed=2.385, spread=(0.25, 4.0)):
    """Samples of N(0, C), C = R diag(lambda) R^T with lambda spread over the given range."""
    rng = np.random.default_rng(int(seed * 1000))
    R, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.geomspace(spread[0], spread[1], n)
    C = (R * lam) @ R.T
    X = rng.standard_normal((samples, n)) * np.sqrt(lam) @ R.T
    return np.ascontiguousarray(X), C


@pytest.fixture
def data():
    return gaussian
