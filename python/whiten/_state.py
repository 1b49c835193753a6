"""The CLI's state file (docs/state-format.md), read and written with numpy and zipfile."""
import io
import json
import os
import tempfile
import zipfile

import numpy as np

FORMAT = "whiten-state"
VERSION = 1
KINDS = {"direct": 0, "interneuron": 1, "gain": 2, "gain-synapse": 3}
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


def _whole(meta, key, path, where=""):
    value = meta.get(key)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"{path}: meta.json: {where}{key!r} must be a whole number written as a "
                     "string")


def _number(meta, key, lo, hi, path, where=""):
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ValueError(f"{path}: meta.json: {where}{key!r} must be a number in [{lo:g}, {hi:g}]")
    return float(value)


def _check_stages(meta, path):
    """The optional "center", "schedule" and "ridge" keys, checked as src/io/state_file.c."""
    center = meta.get("center")
    if center is not None:
        if not isinstance(center, dict):
            raise ValueError(f'{path}: meta.json: "center" must be an object')
        window = _number(center, "window", 0.0, 1e15, path, "center ")
        if 0.0 < window < 1.0:
            raise ValueError(f'{path}: meta.json: center "window" must be 0 or at least 1')
        _whole(center, "count", path, "center ")
    schedule = meta.get("schedule")
    if schedule is not None:
        kind = schedule.get("kind") if isinstance(schedule, dict) else None
        if kind == "constant":
            del meta["schedule"]
        elif kind != "decay":
            raise ValueError(f'{path}: meta.json: schedule "kind" must be "constant" or "decay"')
        else:
            tau = _number(schedule, "tau", 0.0, 1e300, path, "schedule ")
            gamma = _number(schedule, "gamma", 0.0, 1.0, path, "schedule ")
            _whole(schedule, "start", path, "schedule ")
            if not (tau > 0.0 and gamma > 0.5):
                raise ValueError(f"{path}: meta.json: schedule needs tau > 0 and gamma in "
                                 "(0.5, 1]")
    if "ridge" in meta:
        meta["ridge"] = _number(meta, "ridge", 0.0, 1e12, path)
        if meta["ridge"] > 0.0:
            meta["ridge_seed"] = _whole(meta, "ridge_seed", path)
        else:
            del meta["ridge"]


def read_state(path):
    """Read a state file: (meta, arrays), checked as the CLI does (docs/state-format.md).

    arrays holds float64 C-contiguous "M", and where present "W", "g", "mean" and
    "solver_state" (flattened).
    """
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
            raise ValueError(f'{path}: meta.json: "net" must be "direct", "interneuron", "gain" '
                             'or "gain-synapse"')
        if meta.get("solver", "exact") not in SOLVERS:
            raise ValueError(f'{path}: meta.json: "solver" must be "exact" or "fast"')
        meta["samples"] = _whole(meta, "samples", path)
        gain = meta["net"] in ("gain", "gain-synapse")
        if gain:
            _number(meta, "alpha", 0.0, 1e12, path)
        if meta["net"] == "gain-synapse":
            eta_w = _number(meta, "eta_w", 0.0, 1.0, path)
            if not 0.0 < eta_w < 1.0:
                raise ValueError(f'{path}: meta.json: "eta_w" must lie in (0, 1)')
        _check_stages(meta, path)
        arrays = {"M": np.ascontiguousarray(archive["M"], dtype=np.float64)}
        for name in ("W", "g", "mean", "solver_state"):
            if name in names:
                arrays[name] = np.ascontiguousarray(archive[name], dtype=np.float64)
    n, k = meta.get("n"), meta.get("k")
    if not (isinstance(n, int) and isinstance(k, int) and n >= 1 and k >= 1
            and (k >= n or gain) and (k == n or meta["net"] != "direct")):
        raise ValueError(f"{path}: meta.json: n = {n}, k = {k} does not suit a "
                         f"{meta['net']} network")
    M = arrays["M"]
    if M.shape != (n, n):
        raise ValueError(f"{path}: M.npy is {M.shape}; meta.json says n = {n}")
    if meta["net"] != "direct" and arrays.get("W", np.empty(0)).shape != (n, k):
        raise ValueError(f"{path}: W.npy must be ({n}, {k}) for a {meta['net']} state")
    if gain and arrays.get("g", np.empty(0)).shape not in ((k,), (k, 1)):
        raise ValueError(f"{path}: g.npy must hold the k = {k} gains of a {meta['net']} state")
    if gain:
        arrays["g"] = arrays["g"].reshape(-1)
    if "center" in meta:
        mean = arrays.get("mean")
        if mean is None or mean.size != n:
            raise ValueError(f"{path}: mean.npy must hold n = {n} values (meta.json has "
                             '"center")')
        arrays["mean"] = mean.reshape(-1)
    else:
        arrays.pop("mean", None)
    if "solver_state" in arrays:
        arrays["solver_state"] = arrays["solver_state"].reshape(-1)
    return meta, arrays
