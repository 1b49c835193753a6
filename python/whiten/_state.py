"""The CLI's state file (docs/state-format.md), read and written with numpy and zipfile."""
import io
import json
import os
import tempfile
import zipfile

import numpy as np

FORMAT = "whiten-state"
VERSION = 1
KINDS = {"direct": 0, "interneuron": 1}
SOLVERS = {"exact": 1, "fast": 2}


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array, dtype="<f8"), version=(1, 0))
    return buf.getvalue()


def write_state(path, meta, arrays):
    """Write meta (a dict) and arrays (name -> ndarray) as a stored zip, atomically.

    Members are stored (not compressed) with dates fixed at 1980-01-01, meta.json first,
    as `whiten` writes them; a temporary file in the same folder is renamed into place, so
    a failure never leaves a half-written state.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".whiten-state-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as z:
                members = [("meta.json", json.dumps(meta, indent=1).encode())]
                members += [(name + ".npy", _npy(a)) for name, a in arrays.items()]
                for name, data in members:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_STORED
                    z.writestr(info, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _whole(meta, key, path):
    value = meta.get(key)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"{path}: meta.json: {key!r} must be a whole number written as a string")


def read_state(path):
    """Read a state file: (meta, M, W or None, solver_state or None), checked as the CLI does."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path}: not a whiten state file ({e})") from None
    with archive:
        names = set(archive.files)
        if "meta.json" not in names or "M" not in names:
            raise ValueError(f"{path}: not a whiten state file (no meta.json or M.npy)")
        try:
            meta = json.loads(archive["meta.json"])
        except (ValueError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: meta.json: {e}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f'{path}: meta.json: not a whiten state ("format" is not "{FORMAT}")')
        if meta.get("version") != VERSION:
            raise ValueError(f"{path}: meta.json: state version {meta.get('version')}; "
                             f"this whiten reads version {VERSION}")
        if meta.get("net") not in KINDS:
            raise ValueError(f'{path}: meta.json: "net" must be "direct" or "interneuron"')
        if meta.get("solver", "exact") not in SOLVERS:
            raise ValueError(f'{path}: meta.json: "solver" must be "exact" or "fast"')
        meta["samples"] = _whole(meta, "samples", path)
        # `whiten fit` centres by default and keeps the mean in the state; this package does
        # not centre yet, and a centred network used without its mean whitens the wrong
        # thing. Refuse rather than ignore it (likewise the ridge that --learn would add).
        if "center" in meta or "mean" in names:
            raise ValueError(f"{path}: the state is centred (meta.json \"center\", mean.npy: "
                             "written by whiten fit, which subtracts the data's mean by "
                             "default); centring is not yet supported in Python, so the mean "
                             "cannot be ignored: fit with --no-center for a state Python loads")
        if "ridge" in meta:
            raise ValueError(f"{path}: the state has a ridge (meta.json \"ridge\", from "
                             "whiten fit --ridge), which Python's learning does not add yet; "
                             "refused rather than ignored")
        M = np.ascontiguousarray(archive["M"], dtype=np.float64)
        W = archive["W"] if "W" in names else None
        S = archive["solver_state"] if "solver_state" in names else None
    n, k = meta.get("n"), meta.get("k")
    if not (isinstance(n, int) and isinstance(k, int) and n >= 1 and k >= n):
        raise ValueError(f"{path}: meta.json: n = {n}, k = {k}: need whole numbers, 1 <= n <= k")
    if M.shape != (n, n):
        raise ValueError(f"{path}: M.npy is {M.shape}; meta.json says n = {n}")
    if meta["net"] == "interneuron":
        if W is None or W.shape != (n, k):
            raise ValueError(f"{path}: W.npy must be ({n}, {k}) for an interneuron state")
        W = np.ascontiguousarray(W, dtype=np.float64)
    if S is not None:
        S = np.ascontiguousarray(S, dtype=np.float64).reshape(-1)
    return meta, M, W, S
