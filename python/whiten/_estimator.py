"""Whitener: the online whitening networks as a scikit-learn estimator."""
import contextlib
import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _whiten
from ._state import KINDS, SOLVERS, read_state, write_state

_SOLVER_CODES = {"auto": 0, "exact": 1, "fast": 2}
_SOLVER_NAMES = {1: "exact", 2: "fast"}
_KIND_NAMES = {0: "direct", 1: "interneuron"}


def _seed(random_state):
    """The seed of the interneurons' initial mixing: `whiten`'s default 1 for None."""
    if random_state is None:
        return 1
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    return int(check_random_state(random_state).randint(0, 2**63 - 1, dtype=np.int64))


class Whitener(TransformerMixin, BaseEstimator):
    r"""Adaptive ZCA whitening by a recurrent neural network, learned online.

    The network keeps lateral weights :math:`M` and answers an input :math:`x \in R^n` with
    the equilibrium of its neural dynamics,

    .. math:: y = M^{-1} x,

    then learns from the sample. Algorithm 1 (``net="direct"``, symmetric lateral weights):

    .. math:: M \leftarrow M + \eta\,(y y^\top - I).

    Algorithm 2 (``net="interneuron"``, ``k >= n`` interneurons with synapses
    :math:`W \in R^{n \times k}`, :math:`M = W W^\top`, :math:`z = W^\top y`):

    .. math:: W \leftarrow W + \eta\,(y z^\top - W).

    Both drive :math:`M \to C^{1/2}` with :math:`C = E[x x^\top]`, so that the outputs have
    identity covariance (Lipshutz, Pehlevan & Chklovskii, ICLR 2023). The inputs are taken
    as centred: the network whitens the second moment :math:`E[x x^\top]`.

    Parameters
    ----------
    net : {"interneuron", "direct"}, default="interneuron"
        Which circuit.
    k : int or None, default=None
        Interneurons (``net="interneuron"``); None means ``k = n``. Must be ``>= n``.
    eta : float, default=1e-3
        Learning rate :math:`\eta`, in (0, 1).
    passes : int, default=1
        Passes over the rows of ``X`` that :meth:`fit` makes, in order.
    init_scale : float, default=1.0
        Initial weights :math:`M_0 = \alpha I` with :math:`\alpha` = ``init_scale`` (for
        interneurons :math:`W_0 = [\alpha^{1/2} I \; 0] Q`, :math:`Q` a random rotation).
    solver : {"auto", "exact", "fast"}, default="auto"
        How each step solves :math:`y = M^{-1} x` (see ``whiten/network.h``): "exact" factors
        :math:`M` by Cholesky per sample; "fast" tracks :math:`M^{-1}` in :math:`O(n^2)`;
        "auto" is fast for interneurons, exact for the direct network.
    refresh : int, default=0
        Fast solver: samples between exact steps; 0 means the library's default.
    random_state : int, RandomState or None, default=None
        Seeds the interneurons' initial rotation :math:`Q`. None means seed 1, the default
        of ``whiten fit --seed``, so that equal options give equal bits.
    schedule : {"constant", "decay"}, default="constant"
        Learning-rate schedule over ``eta`` (``wh_schedule``): the rate of the sample with
        index :math:`t` (counting every sample the network has learned) is
        :math:`\eta_t = \eta` ("constant"), or

        .. math:: \eta_t = \eta \,/\, (1 + (t - t_0)/\tau)^{\gamma} \quad (t \ge t_0)

        ("decay"; :math:`\eta` before :math:`t_0`), which lets the estimate settle on
        stationary data where a constant rate leaves it at a noise floor of order
        :math:`\eta`.
    tau : float or None, default=None
        Decay time :math:`\tau` in samples (> 0); required with ``schedule="decay"``.
    gamma : float, default=1.0
        Decay exponent :math:`\gamma`, :math:`1/2 < \gamma \le 1`.
    schedule_start : int, default=0
        Sample index :math:`t_0` where the decay starts.

    Attributes
    ----------
    M_ : ndarray of shape (n_features_in_, n_features_in_)
        The lateral weights :math:`M` (for interneurons :math:`W W^\top`).
    W_ : ndarray of shape (n_features_in_, k) or None
        The interneuron synapses; None for the direct network.
    n_features_in_ : int
        Input dimension :math:`n`.
    n_samples_seen_ : int
        Samples the network has learned from.

    Notes
    -----
    :meth:`fit` and :meth:`partial_fit` call the library's ``wh_net_learn_block`` in the
    chunks ``whiten fit`` uses (ending at multiples of 64 samples and at batch ends), so a
    :meth:`fit` equals ``whiten fit`` with the same options to the last bit. :meth:`filter`
    and :meth:`step` call ``wh_net_step`` per sample, as ``whiten stream`` and ``whiten apply
    --learn`` do. Arrays that are C-contiguous float64 are used without a copy; the GIL is
    released while the library works. A batch that the library refuses (divergence) raises
    :class:`whiten.DivergedError` and leaves the network as it was before the batch.

    Examples
    --------
    >>> import numpy as np, whiten
    >>> X = np.random.default_rng(0).standard_normal((20000, 3)) * [0.5, 1.0, 3.0]
    >>> w = whiten.Whitener(net="interneuron", eta=1e-3, passes=2).fit(X)
    >>> Y = w.transform(X)
    >>> bool(np.abs(np.cov(Y.T, bias=True) - np.eye(3)).max() < 0.2)
    True
    """

    def __init__(self, net="interneuron", k=None, eta=1e-3, passes=1, init_scale=1.0,
                 solver="auto", refresh=0, random_state=None, schedule="constant", tau=None,
                 gamma=1.0, schedule_start=0):
        self.net = net
        self.k = k
        self.eta = eta
        self.passes = passes
        self.init_scale = init_scale
        self.solver = solver
        self.refresh = refresh
        self.random_state = random_state
        self.schedule = schedule
        self.tau = tau
        self.gamma = gamma
        self.schedule_start = schedule_start

    # ------------------------------------------------------------------ building

    def _build(self, n):
        if self.net not in KINDS:
            raise ValueError(f"net must be 'direct' or 'interneuron', got {self.net!r}")
        if self.solver not in _SOLVER_CODES:
            raise ValueError(f"solver must be 'auto', 'exact' or 'fast', got {self.solver!r}")
        k = n if self.k is None else self.k
        if not isinstance(k, numbers.Integral) or isinstance(k, bool):
            raise ValueError(f"k must be an integer or None, got {self.k!r}")
        if self.net == "interneuron" and k < n:
            raise ValueError(f"k = {k} interneurons is fewer than n = {n} features; need k >= n")
        if not isinstance(self.refresh, numbers.Integral) or self.refresh < 0:
            raise ValueError(f"refresh must be an integer >= 0, got {self.refresh!r}")
        eta = float(self.eta)
        if not 0.0 < eta < 1.0:
            raise ValueError(f"eta must lie in (0, 1), got {self.eta!r}")
        alpha = float(self.init_scale)
        if not (np.isfinite(alpha) and alpha > 0.0):
            raise ValueError(f"init_scale must be finite and > 0, got {self.init_scale!r}")
        return _whiten.Net(KINDS[self.net], n, int(k), eta, alpha, _seed(self.random_state),
                           _SOLVER_CODES[self.solver], int(self.refresh), *self._schedule())

    def _schedule(self):
        """(kind, tau, gamma, start) for wh_schedule, checked."""
        if self.schedule == "constant":
            return 0, 0.0, 1.0, 0
        if self.schedule != "decay":
            raise ValueError(f"schedule must be 'constant' or 'decay', got {self.schedule!r}")
        tau, gamma, start = self.tau, self.gamma, self.schedule_start
        if tau is None or not (np.isfinite(float(tau)) and float(tau) > 0):
            raise ValueError(f"schedule='decay' needs tau > 0 (samples), got {tau!r}")
        if not 0.5 < float(gamma) <= 1.0:
            raise ValueError(f"gamma must lie in (1/2, 1], got {gamma!r}")
        if not isinstance(start, numbers.Integral) or isinstance(start, bool) or start < 0:
            raise ValueError(f"schedule_start must be an integer >= 0, got {start!r}")
        return 1, float(tau), float(gamma), int(start)

    def _check_passes(self):
        p = self.passes
        if not isinstance(p, numbers.Integral) or isinstance(p, bool) or p < 1:
            raise ValueError(f"passes must be an integer >= 1, got {p!r}")
        return int(p)

    @contextlib.contextmanager
    def _all_or_nothing(self):
        """On any exception, put back every attribute as it was (n_features_in_ included)."""
        before = dict(self.__dict__)
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _rows(self, X, reset):
        return self._validate_data(X, reset=reset, dtype=np.float64, order="C",
                                   force_all_finite=True)

    # ------------------------------------------------------------------ learning

    def fit(self, X, y=None):
        r"""Learn from the rows of X, in order, ``passes`` times, from a fresh network.

        Each row :math:`x` gives :math:`y = M^{-1} x`, then the synaptic update (see the
        class docstring). Equal to ``whiten fit --data X.npy`` with the same options.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Centred samples, one per row.
        y : None
            Ignored.

        Returns
        -------
        self : Whitener
        """
        passes = self._check_passes()
        with self._all_or_nothing():
            X = self._rows(X, reset=True)
            net = self._build(X.shape[1])
            for _ in range(passes):
                net.learn(X)
            self._net = net
        return self

    def partial_fit(self, X, y=None):
        """Learn from one more batch of rows (any number, one included), continuing online.

        The first call builds the network. A refused batch raises and changes nothing.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : Whitener
        """
        fitted = hasattr(self, "_net")
        with self._all_or_nothing():
            X = self._rows(X, reset=not fitted)
            net = self._net if fitted else self._build(X.shape[1])
            net.learn(X)
            self._net = net
        return self

    def filter(self, X):
        """The online filter: whiten each row with the network as it is, then learn from it.

        Returns the outputs :math:`y_t = M_{t-1}^{-1} x_t` the network produced sample by
        sample while learning (``wh_net_step`` per row), as ``whiten stream`` prints them.
        Builds the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Y : ndarray of shape (n_samples, n_features)
        """
        fitted = hasattr(self, "_net")
        with self._all_or_nothing():
            X = self._rows(X, reset=not fitted)
            net = self._net if fitted else self._build(X.shape[1])
            Y = np.empty_like(X)
            net.step(X, Y)
            self._net = net
        return Y

    def step(self, x):
        """One sample of the online filter: :math:`y = M^{-1} x`, then learn from it.

        Parameters
        ----------
        x : array-like of shape (n_features,)

        Returns
        -------
        y : ndarray of shape (n_features,)
        """
        try:
            net = self._net
        except AttributeError:
            check_is_fitted(self, "_net")
        return net.step_one(x)

    # ------------------------------------------------------------------ whitening

    def transform(self, X):
        """Whiten with the network frozen: each row :math:`x` becomes :math:`y = M^{-1} x`.

        Equal to ``whiten apply`` (without ``--learn``) to the last bit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Y : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "_net")
        X = self._rows(X, reset=False)
        Y = np.empty_like(X)
        self._net.respond(X, Y)
        return Y

    def inverse_transform(self, Y):
        """Undo :meth:`transform`: :math:`x = M y`.

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_features)

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "_net")
        Y = self._rows(Y, reset=False)
        return Y @ self._net.lateral()

    # ------------------------------------------------------------------ attributes

    @property
    def M_(self):
        """Lateral weights M, (n, n); for interneurons W W^T."""
        check_is_fitted(self, "_net")
        return self._net.lateral()

    @property
    def W_(self):
        """Interneuron synapses W, (n, k); None for the direct network."""
        check_is_fitted(self, "_net")
        return self._net.weights()

    @property
    def n_samples_seen_(self):
        """Samples learned from so far."""
        check_is_fitted(self, "_net")
        return self._net.samples

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_net")

    def _more_tags(self):
        return {"preserves_dtype": [np.float64]}

    # ------------------------------------------------------------------ state

    def _export(self):
        """Everything that puts the network back bit for bit (docs/state-format.md)."""
        net = self._net
        meta = {"format": "whiten-state", "version": 1,
                "creator": f"whiten {_whiten.version()} (Python)",
                "net": _KIND_NAMES[net.kind], "n": net.n, "k": net.k, "eta": net.eta,
                "solver": _SOLVER_NAMES[net.solver], "refresh": net.refresh,
                "samples": str(net.samples)}
        kind, tau, gamma, start = net.schedule
        if kind != 0:
            meta["schedule"] = {"kind": "decay", "tau": tau, "gamma": gamma, "start": str(start)}
        arrays = {"M": net.lateral()}
        if net.kind == KINDS["interneuron"]:
            arrays["W"] = net.weights()
        state = net.solver_state()
        if state.size:
            arrays["solver_state"] = state
        return meta, arrays

    def _import(self, meta, M, W, S):
        kind = KINDS[meta["net"]]
        solver = SOLVERS[meta.get("solver", "exact")]
        sched = meta.get("schedule")
        schedule = (1, sched["tau"], sched["gamma"], int(sched["start"])) if sched else ()
        net = _whiten.Net(kind, meta["n"], meta["k"], float(meta["eta"]), 1.0, 1, solver,
                          int(meta.get("refresh", 0)) if solver == 2 else 0, *schedule)
        net.restore(M if kind == 0 else W, int(meta["samples"]), S)
        self._net = net
        self.n_features_in_ = meta["n"]

    def save(self, path):
        """Write the network as a state file that ``whiten apply --state`` and
        ``whiten stream --state`` read (docs/state-format.md), atomically.

        Parameters
        ----------
        path : str or os.PathLike
        """
        check_is_fitted(self, "_net")
        meta, arrays = self._export()
        if "schedule" in meta:
            raise ValueError("the state file (docs/state-format.md, version 1) has no field "
                             "for a learning-rate schedule yet; save a constant-rate network, "
                             "or pickle this one")
        write_state(path, meta, arrays)

    def __getstate__(self):
        state = super().__getstate__()
        if "_net" in state:
            state = dict(state)
            state["_net"] = self._export()
        return state

    def __setstate__(self, state):
        exported = state.pop("_net", None)
        super().__setstate__(state)
        if exported is not None:
            meta, arrays = exported
            self._import(meta, arrays["M"], arrays.get("W"), arrays.get("solver_state"))


def load(path):
    """Read a state file written by ``whiten fit`` (or :meth:`Whitener.save`).

    The network continues exactly where it stopped: its synapses, sample count and the fast
    solver's own state are put back, so :meth:`Whitener.transform` gives the bits of
    ``whiten apply --state`` and further learning those of the CLI's.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Whitener
        Fitted, with parameters ``net``, ``k``, ``eta``, ``solver`` and ``refresh`` from the
        file (the initial scale and seed do not matter any more and keep their defaults).
    """
    meta, M, W, S = read_state(path)
    solver = meta.get("solver", "exact")
    w = Whitener(net=meta["net"], k=meta["k"], eta=float(meta["eta"]), solver=solver,
                 refresh=int(meta.get("refresh", 0)) if solver == "fast" else 0)
    w._import(meta, M, W, S)
    return w
