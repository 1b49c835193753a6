"""The two documented installs: pip into a --system-site-packages venv, and meson install."""
import os
import subprocess
import sys

SOURCE = os.environ.get("WHITEN_SOURCE_ROOT")
BUILD = os.environ.get("WHITEN_BUILD_ROOT")
TINY_FIT = ("import numpy as np, whiten; "
            "X = np.random.default_rng(1).standard_normal((500, 3)) * [0.5, 1, 2]; "
            "w = whiten.Whitener(eta=1e-2).fit(X); "
            "assert w.n_samples_seen_ == 500 and w.M_.shape == (3, 3); "
            "print(whiten.__file__)")


def run(*args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    assert r.returncode == 0, (args, r.stdout[-3000:], r.stderr[-3000:])
    return r.stdout


def test_pip_install_into_a_venv(tmp_path):
    assert SOURCE, "WHITEN_SOURCE_ROOT must name the source tree (meson test sets it)"
    env_dir = tmp_path / "env"
    run("/usr/bin/python3", "-m", "venv", "--system-site-packages", str(env_dir))
    pip_env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip_env.pop("PYTHONPATH", None)
    run(str(env_dir / "bin" / "pip"), "install", "--no-build-isolation", SOURCE, env=pip_env,
        cwd=tmp_path)
    where = run(str(env_dir / "bin" / "python"), "-c", TINY_FIT, env=pip_env, cwd=tmp_path)
    assert where.startswith(str(env_dir)), where


def test_meson_install(tmp_path):
    assert BUILD, "WHITEN_BUILD_ROOT must name the build folder (meson test sets it)"
    run("meson", "install", "-C", BUILD, "--no-rebuild", "--quiet",
        "--destdir", str(tmp_path / "root"))
    inits = list((tmp_path / "root").rglob("whiten/__init__.py"))
    assert len(inits) == 1, inits
    env = dict(os.environ, PYTHONPATH=str(inits[0].parent.parent))
    where = run(sys.executable, "-c", TINY_FIT, env=env, cwd=tmp_path)
    assert where.startswith(str(tmp_path / "root")), where
