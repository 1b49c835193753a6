"""examples/patches.py runs and learns centre-surround filters (at a quick setting)."""
import importlib.util
import os

import numpy as np


def test_patches_example(tmp_path):
    root = os.environ.get("WHITEN_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__),
                                                                "..", "..")
    spec = importlib.util.spec_from_file_location("patches",
                                                  os.path.join(root, "examples", "patches.py"))
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    out = tmp_path / "filters.png"
    w, F, error = patches.main(["--samples", "30000", "--eta", "1e-3", "--passes", "1",
                                "--out", str(out)])
    assert out.stat().st_size > 10_000
    assert error < 1.5, error
    # Centre-surround: a pixel's filter weighs itself positively, its 4 neighbours negatively.
    centre = 3 * 8 + 3
    tile = F[centre].reshape(8, 8)
    assert tile[3, 3] > 0
    assert all(tile[r, c] < 0 for r, c in ((2, 3), (4, 3), (3, 2), (3, 4))), tile
