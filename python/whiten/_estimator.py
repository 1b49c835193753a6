"""Whitener: the online whitening networks as a scikit-learn estimator."""
import contextlib
import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _whiten
from ._state import KINDS, SOLVERS, read_state, write_state

_SOLVER_CODES = {"auto": 0, "exact": 1, "fast": 2}
_SOLVER_NAMES = {1: "exact", 2: "fast"}
_KIND_NAMES = {code: name for name, code in KINDS.items()}
_GAIN = ("gain", "gain-synapse")
_FRAMES = {None: 0, "random": 1, "pairs": 2}
# Rows that init_scale="auto" takes the scale from, and the samples passes="auto" asks for,
# as `whiten fit` (src/cli/stages.h, src/cli/cmd_fit.c).
_SCALE_ROWS = 1000
_AUTO_SAMPLES = 100000


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

    The inputs are first centred, :math:`x_c = x - \mu` (``center=True``), and the network
    keeps lateral weights :math:`M` and answers with the equilibrium of its neural dynamics,

    .. math:: y = M^{-1} x_c,

    then learns from the sample. Algorithm 1 (``net="direct"``, symmetric lateral weights):

    .. math:: M \leftarrow M + \eta\,(y y^\top - I).

    Algorithm 2 (``net="interneuron"``, ``k >= n`` interneurons with synapses
    :math:`W \in R^{n \times k}`, :math:`M = W W^\top`, :math:`z = W^\top y`):

    .. math:: W \leftarrow W + \eta\,(y z^\top - W).

    Both drive :math:`M \to C^{1/2}` with :math:`C = E[x_c x_c^\top]`, so that the outputs
    have identity covariance (Lipshutz, Pehlevan & Chklovskii, ICLR 2023). The gain circuits
    (Duong, Lipshutz et al., ICML 2023; Duong, Simoncelli, Chklovskii & Lipshutz, NeurIPS
    2023) have :math:`M = \alpha I + W \operatorname{diag}(g) W^\top` with :math:`K`
    interneurons, :math:`z = W^\top y`; ``net="gain"`` keeps the frame :math:`W` fixed and
    learns the gains,

    .. math:: g \leftarrow g + \eta_g\,(z \circ z - \operatorname{diag}(W^\top W)),

    and ``net="gain-synapse"`` also learns the synapses slowly,
    :math:`W \leftarrow W + \eta_w\,(y (g \circ z)^\top - W \operatorname{diag}(g))`, columns
    put back to unit length.

    Parameters
    ----------
    net : {"interneuron", "direct", "gain", "gain-synapse"}, default="interneuron"
        Which circuit.
    k : int or None, default=None
        Interneurons: for ``net="interneuron"`` None means ``k = n`` and ``k >= n`` is
        required; for the gain circuits this is their :math:`K` (``whiten --K``), None
        meaning :math:`n(n+1)/2` for "gain" (the fewest gains that whiten any :math:`C`) and
        :math:`n` for "gain-synapse". Ignored by the direct network.
    eta : float, default=1e-3
        Learning rate :math:`\eta`, in (0, 1) (for the gain circuits, the gains' rate unless
        ``eta_g`` is given).
    passes : int or "auto", default=1
        Passes over the rows of ``X`` that :meth:`fit` makes, in order; "auto" makes enough
        for 100000 samples, at least one (``whiten fit --passes 0``).
    init_scale : float or "auto", default=1.0
        Initial weights :math:`M_0 = s I` with :math:`s` = ``init_scale`` (for interneurons
        :math:`W_0 = [s^{1/2} I \; 0] Q`, :math:`Q` a random rotation). "auto" takes :math:`s`
        from the data as ``whiten fit --init-scale auto`` does: the root mean square of the
        channels of the first 1000 centred rows (of ``X`` for :meth:`fit`; of the first batch,
        less its own mean, for :meth:`partial_fit` and :meth:`filter`). Not used by the gain
        circuits, which start from :math:`M_0 = \alpha I`.
    solver : {"auto", "exact", "fast"}, default="auto"
        How each step solves :math:`y = M^{-1} x` (see ``whiten/network.h``): "exact" factors
        :math:`M` by Cholesky per sample; "fast" tracks :math:`M^{-1}` in :math:`O(n^2)`
        (interneurons) or solves by preconditioned conjugate gradients (direct); "auto" takes
        the faster as measured by ``whiten bench``: fast for interneurons at every :math:`n`,
        and for the direct network exact below :math:`n = 30` and fast (conjugate gradients,
        which report a loss of definiteness up to ``refresh`` samples late) from
        :math:`n = 30` on (``WH_AUTO_DIRECT_FAST_N``). Gain modulation ("gain") has a fast
        path too (conjugate gradients preconditioned by the last refresh's :math:`M^{-1}`,
        a factor every :math:`n/4` samples), which "auto" takes from :math:`n = 33`
        (``WH_AUTO_GAIN_FAST_N``); gains plus synapses have the exact solver only ("fast"
        is refused).
    refresh : int, default=0
        Fast solver: samples between exact steps; 0 means the library's default.
    random_state : int, RandomState or None, default=None
        Seeds the interneurons' initial rotation :math:`Q` (and a gain circuit's random
        frame). None means seed 1, the default of ``whiten fit --seed``, so that equal options
        give equal bits.
    schedule : {"constant", "decay"}, default="constant"
        Learning-rate schedule over ``eta`` (``wh_schedule``): the rate of the sample with
        index :math:`t` (counting every sample the network has learned) is
        :math:`\eta_t = \eta` ("constant"), or

        .. math:: \eta_t = \eta \,/\, (1 + (t - t_0)/\tau)^{\gamma} \quad (t \ge t_0)

        ("decay"; :math:`\eta` before :math:`t_0`), which lets the estimate settle on
        stationary data where a constant rate leaves it at a noise floor of order
        :math:`\eta`. ``whiten fit`` decays by default, ``whiten stream`` does not; see the
        README for the two sets of defaults side by side.
    tau : float or None, default=None
        Decay time :math:`\tau` in samples (> 0); None means ``whiten``'s automatic one,
        :math:`1/\eta` for interneurons (and the gain circuits), :math:`s/\eta` for the direct
        network (:math:`s` the initial scale).
    gamma : float, default=1.0
        Decay exponent :math:`\gamma`, :math:`1/2 < \gamma \le 1`.
    schedule_start : int, default=0
        Sample index :math:`t_0` where the decay starts.
    center : bool, default=True
        Subtract a mean :math:`\mu` before the network (scikit-learn's and ``whiten``'s
        default). :meth:`fit` uses the exact mean of ``X`` (as ``whiten fit``);
        :meth:`partial_fit`, :meth:`filter` and :meth:`step` fold each sample into a running
        mean first and then subtract it (as ``whiten stream``),
        :math:`\mu_t = \mu_{t-1} + (x_t - \mu_{t-1}) / \min(t, w)`. False: the inputs are
        taken as centred and the network whitens :math:`E[x x^\top]`.
    center_window : float, default=1000
        The running mean's window :math:`w` in samples (``whiten stream --center-window``):
        the exact mean of the first :math:`w` samples, then an exponentially weighted one
        over about :math:`w`, which follows a mean that drifts; 0 means no window (the exact
        mean of every sample so far). After :meth:`fit` the mean goes on from the exact mean
        of ``X`` with this window.

        The one centring default that differs from ``whiten fit``, on purpose: ``fit``'s own
        result does not depend on it (its mean is exact), only what comes after. 1000 is
        ``whiten stream``'s default, whose learning defaults the estimator shares (a constant
        rate, a scale of 1): a network that keeps learning at a constant rate is paired with
        a mean that keeps following the data. ``whiten fit`` writes 0 into its state (its
        mean never updated); ``center_window=0`` gives that state exactly, window and count
        included, continues as ``whiten stream --state`` continues it, and makes
        :meth:`partial_fit` keep the exact mean of every sample seen (as scikit-learn's
        ``IncrementalPCA.partial_fit`` does).
    alpha : float, default=1.0
        Gain circuits: the leak :math:`\alpha \ge 0` of :math:`M = \alpha I + W
        \operatorname{diag}(g) W^\top` (``--alpha``).
    eta_g : float or None, default=None
        Gain circuits: the gains' rate :math:`\eta_g` in (0, 1); None means ``eta``
        (``--eta-g``).
    eta_w : float, default=1e-3
        ``net="gain-synapse"``: the synapses' (slow) rate :math:`\eta_w` in (0, 1)
        (``--eta-w``).
    frame : {"random", "pairs"}, array of shape (n_features, K) or None, default=None
        Gain circuits: the frame :math:`W` (``--frame``): "random" (unit Gaussian columns from
        ``random_state``), "pairs" (:math:`e_i` and :math:`(e_i + e_j)/\sqrt 2`, :math:`K =
        n(n+1)/2`), or the columns given (taken as given by "gain", scaled to unit length by
        "gain-synapse"). None: "pairs" for "gain" at the default :math:`K`, else "random".
    ridge : float, default=0.0
        Variance :math:`r \ge 0` of independent Gaussian noise added to every sample the
        network learns from (after centring; not to what :meth:`transform` whitens), as
        ``whiten fit --ridge``: the network then whitens

        .. math:: C + r I,

        which keeps :math:`M \succeq r^{1/2} I` on data of low rank (images, recordings
        with dead channels) instead of letting :math:`M^{-1}` blow up along the missing
        directions. The noise of the sample with index :math:`t` is a pure function of
        (``random_state``'s seed, :math:`t`) (``wh_ridge_noise``), so equal options give the
        command line's bits and a saved state goes on with the same noise.
    average : float, default=0.0
        Polyak-Ruppert averaging (``whiten fit --average``): the fraction :math:`F \in [0,
        1]` of the samples at the end of :meth:`fit` (of ``passes`` times the rows) over
        which the lateral weights are averaged; 0: none. :meth:`fit` learns in chunks of
        up to 64 samples, and the network then holds

        .. math:: \bar M = \frac{\sum_c w_c M_c}{\sum_c w_c},

        :math:`M_c` the weights at the end of chunk :math:`c` and :math:`w_c` its samples
        among the last :math:`\lceil F T \rceil` of the :math:`T` learned: :math:`M =
        \bar M` for the direct network, :math:`W = [\bar M^{1/2} \; 0]` for interneurons
        (the same responses as any :math:`W` with :math:`W W^\top = \bar M`), the mean
        gains for ``net="gain"`` (:math:`M` is affine in :math:`g`). A constant-rate
        estimate hovers around :math:`C^{1/2}` with a spread of order
        :math:`\eta^{1/2}`; the average hovers far less (BENCHMARKS.md). Refused for
        "gain-synapse", whose :math:`M` is not linear in :math:`W` and :math:`g` together.
        Only :meth:`fit` averages (:meth:`partial_fit` does not know where the data end).

    Attributes
    ----------
    M_ : ndarray of shape (n_features_in_, n_features_in_)
        The lateral weights :math:`M` (for interneurons :math:`W W^\top`; for the gain
        circuits :math:`\alpha I + W \operatorname{diag}(g) W^\top`).
    W_ : ndarray of shape (n_features_in_, k) or None
        The interneuron synapses, or a gain circuit's frame or synapses; None for the direct
        network.
    g_ : ndarray of shape (K,) or None
        A gain circuit's gains :math:`g`; None for the other circuits.
    mean_ : ndarray of shape (n_features_in_,) or None
        The mean :math:`\mu` subtracted before the network; None with ``center=False``.
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
    :class:`whiten.DivergedError` and leaves the network (and the mean) as it was before the
    batch.

    Examples
    --------
    >>> import numpy as np, whiten
    >>> X = np.random.default_rng(0).standard_normal((20000, 3)) * [0.5, 1.0, 3.0] + 7.0
    >>> w = whiten.Whitener(net="interneuron", eta=1e-3, passes=2).fit(X)
    >>> Y = w.transform(X)
    >>> bool(np.abs(np.cov(Y.T, bias=True) - np.eye(3)).max() < 0.2)
    True
    """

    def __init__(self, net="interneuron", k=None, eta=1e-3, passes=1, init_scale=1.0,
                 solver="auto", refresh=0, random_state=None, schedule="constant", tau=None,
                 gamma=1.0, schedule_start=0, center=True, center_window=1000.0, alpha=1.0,
                 eta_g=None, eta_w=1e-3, frame=None, ridge=0.0, average=0.0):
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
        self.center = center
        self.center_window = center_window
        self.alpha = alpha
        self.eta_g = eta_g
        self.eta_w = eta_w
        self.frame = frame
        self.ridge = ridge
        self.average = average

    # ------------------------------------------------------------------ building

    def _build(self, X, mean):
        """A fresh network for the rows X (its initial scale may come from them), centring
        with `mean` (a fit's exact mean) or a running mean from zero (None), if centring."""
        n = X.shape[1]
        if self.net not in KINDS:
            raise ValueError("net must be 'direct', 'interneuron', 'gain' or 'gain-synapse', "
                             f"got {self.net!r}")
        if self.solver not in _SOLVER_CODES:
            raise ValueError(f"solver must be 'auto', 'exact' or 'fast', got {self.solver!r}")
        k = self.k
        if k is not None and (not isinstance(k, numbers.Integral) or isinstance(k, bool)
                              or k < 1):
            raise ValueError(f"k must be an integer >= 1 or None, got {self.k!r}")
        if self.net == "interneuron" and k is not None and k < n:
            raise ValueError(f"k = {k} interneurons is fewer than n = {n} features; need k >= n")
        if not isinstance(self.refresh, numbers.Integral) or self.refresh < 0:
            raise ValueError(f"refresh must be an integer >= 0, got {self.refresh!r}")
        eta = float(self.eta)
        if not 0.0 < eta < 1.0:
            raise ValueError(f"eta must lie in (0, 1), got {self.eta!r}")
        window = self._center_window()
        scale = self._init_scale(X, mean)
        if self.net in _GAIN:
            options = self._gain_options(n, k, eta)
        else:
            options = dict(k=n if k is None else int(k), eta=eta,
                           solver=_SOLVER_CODES[self.solver], refresh=int(self.refresh))
        # The automatic tau is taken from eta, not eta_g, as `whiten fit` takes it.
        kind, tau, gamma, start = self._schedule(scale, eta)
        ridge = self._ridge()
        seed = _seed(self.random_state)   # once: a RandomState draws anew on each call
        net = _whiten.Net(KINDS[self.net], n, init_scale=scale, seed=seed,
                          schedule=kind, tau=tau, gamma=gamma, start=start, **options)
        if self.center:
            net.set_center(window, mean, len(X) if mean is not None else 0)
        if ridge > 0.0:   # `whiten --ridge` seeds its noise with --seed
            net.set_ridge(ridge, seed)
        return net

    def _ridge(self):
        try:
            ridge = float(self.ridge)
        except (TypeError, ValueError):
            ridge = float("nan")
        if not 0.0 <= ridge <= 1e12:
            raise ValueError(f"ridge must be a variance in [0, 1e12], got {self.ridge!r}")
        return ridge

    def _average(self):
        try:
            fraction = float(self.average)
        except (TypeError, ValueError):
            fraction = float("nan")
        if isinstance(self.average, bool) or not 0.0 <= fraction <= 1.0:
            raise ValueError(f"average must be a fraction in [0, 1], got {self.average!r}")
        if fraction > 0.0 and self.net == "gain-synapse":
            raise ValueError("average: gains plus synapses have no average network (M is not "
                             "linear in W and g together); use average=0")
        return fraction

    def _gain_options(self, n, k, eta):
        """The keyword arguments of a gain circuit's Net, checked."""
        if self.solver == "fast" and self.net == "gain-synapse":
            raise ValueError("solver='fast': gains plus synapses have only the exact solver "
                             "(a Cholesky factor per sample)")
        alpha = float(self.alpha)
        if not (np.isfinite(alpha) and alpha >= 0.0):
            raise ValueError(f"alpha must be finite and >= 0, got {self.alpha!r}")
        if self.eta_g is not None:
            eta = float(self.eta_g)
            if not 0.0 < eta < 1.0:
                raise ValueError(f"eta_g must lie in (0, 1) or be None, got {self.eta_g!r}")
        eta_w = float(self.eta_w)
        if not 0.0 < eta_w < 1.0:
            raise ValueError(f"eta_w must lie in (0, 1), got {self.eta_w!r}")
        options = dict(k=0 if k is None else int(k), eta=eta, alpha=alpha, eta_w=eta_w,
                       solver=_SOLVER_CODES[self.solver])
        frame = self.frame
        if isinstance(frame, str) or frame is None:
            if frame not in _FRAMES:
                raise ValueError(f"frame must be 'random', 'pairs', an array or None, "
                                 f"got {frame!r}")
            options["frame"] = _FRAMES[frame]
            if frame == "pairs" and k is not None and k != n * (n + 1) // 2:
                raise ValueError(f"frame='pairs' has K = n(n+1)/2 = {n * (n + 1) // 2} "
                                 f"columns, but k is {k}")
        else:
            F = np.array(frame, dtype=np.float64, order="C", copy=True)
            if F.ndim != 2 or F.shape[0] != n or F.shape[1] < 1 or not np.isfinite(F).all():
                raise ValueError(f"frame must be a finite array of shape (n_features = {n}, K), "
                                 f"got shape {F.shape}")
            if k is not None and F.shape[1] != k:
                raise ValueError(f"frame has K = {F.shape[1]} columns, but k is {k}")
            options.update(frame=3, matrix=F, k=F.shape[1])
        return options

    def _init_scale(self, X, mean):
        if isinstance(self.init_scale, str) and self.init_scale == "auto":
            if self.center and mean is None:   # a first batch: less its own mean
                mean = _whiten.exact_mean(X[:_SCALE_ROWS])
            return _whiten.rms_scale(X, mean if self.center else None, _SCALE_ROWS)
        try:
            scale = float(self.init_scale)
        except (TypeError, ValueError):
            scale = float("nan")
        if not (np.isfinite(scale) and scale > 0.0):
            raise ValueError(f"init_scale must be 'auto' or finite and > 0, "
                             f"got {self.init_scale!r}")
        return scale

    def _center_window(self):
        if not isinstance(self.center, (bool, np.bool_)):
            raise ValueError(f"center must be True or False, got {self.center!r}")
        try:
            w = float(self.center_window)
        except (TypeError, ValueError):
            w = float("nan")
        if not (w == 0.0 or 1.0 <= w <= 1e15):
            raise ValueError(f"center_window must be 0 (no window) or a number of samples in "
                             f"[1, 1e15], got {self.center_window!r}")
        return w

    def _schedule(self, scale, eta):
        """(kind, tau, gamma, start) for wh_schedule, checked; tau None is `whiten`'s auto."""
        if self.schedule == "constant":
            return 0, 0.0, 1.0, 0
        if self.schedule != "decay":
            raise ValueError(f"schedule must be 'constant' or 'decay', got {self.schedule!r}")
        tau, gamma, start = self.tau, self.gamma, self.schedule_start
        if tau is None:   # src/cli/stages.c: eta * tau = 1, or the initial scale (direct)
            tau = (scale if self.net == "direct" else 1.0) / eta
        if not (np.isfinite(float(tau)) and float(tau) > 0):
            raise ValueError(f"schedule='decay' needs tau > 0 (samples) or None, got {tau!r}")
        if not 0.5 < float(gamma) <= 1.0:
            raise ValueError(f"gamma must lie in (1/2, 1], got {gamma!r}")
        if not isinstance(start, numbers.Integral) or isinstance(start, bool) or start < 0:
            raise ValueError(f"schedule_start must be an integer >= 0, got {start!r}")
        return 1, float(tau), float(gamma), int(start)

    def _check_passes(self, rows):
        p = self.passes
        if isinstance(p, str) and p == "auto":
            return -(-_AUTO_SAMPLES // rows)
        if not isinstance(p, numbers.Integral) or isinstance(p, bool) or p < 1:
            raise ValueError(f"passes must be an integer >= 1 or 'auto', got {p!r}")
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

    def _learner(self, X):
        """The network to go on learning X with: the fitted one, or a new one for X."""
        return self._net if hasattr(self, "_net") else self._build(X, None)

    # ------------------------------------------------------------------ learning

    def fit(self, X, y=None):
        r"""Learn from the rows of X, in order, ``passes`` times, from a fresh network.

        With ``center=True`` the exact mean :math:`\mu` of X is subtracted first; each
        centred row :math:`x` gives :math:`y = M^{-1} x`, then the synaptic update (see the
        class docstring). With ``average`` > 0 the network then holds the Polyak-Ruppert
        average of the last part of the fit. Equal to ``whiten fit --data X.npy`` with the
        same options.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.
        y : None
            Ignored.

        Returns
        -------
        self : Whitener
        """
        with self._all_or_nothing():
            X = self._rows(X, reset=True)
            passes = self._check_passes(len(X))
            fraction = self._average()
            net = self._build(X, _whiten.exact_mean(X) if self.center else None)
            if fraction > 0.0:   # the last ceil(fraction * total) samples, as src/cli/average.c
                total = len(X) * passes
                net.average_start(total - min(math.ceil(fraction * total), total))
            for _ in range(passes):
                net.learn(X, None, False)
            if fraction > 0.0:
                net.average_apply()
            self._net = net
        return self

    def partial_fit(self, X, y=None):
        """Learn from one more batch of rows (any number, one included), continuing online.

        The first call builds the network. With ``center=True`` each row first joins the
        running mean, which is then subtracted (``whiten stream``'s order). A refused batch
        raises and changes nothing.

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
            net = self._learner(X)
            net.learn(X)
            self._net = net
        return self

    def filter(self, X):
        r"""The online filter: whiten each row with the network as it is, then learn from it.

        Returns the outputs :math:`y_t = M_{t-1}^{-1} (x_t - \mu_t)` the network produced
        sample by sample while learning (``wh_net_step`` per row; :math:`\mu_t` the running
        mean with :math:`x_t` folded in), as ``whiten stream`` prints them. Builds the network
        on the first call.

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
            net = self._learner(X)
            Y = np.empty_like(X)
            net.step(X, Y)
            self._net = net
        return Y

    def step(self, x):
        r"""One sample of the online filter: :math:`y = M^{-1} (x - \mu)`, then learn from it
        (the running mean first takes :math:`x` in).

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
        r"""Whiten with the network frozen: each row :math:`x` becomes
        :math:`y = M^{-1} (x - \mu)`.

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
        r"""Undo :meth:`transform`: :math:`x = M y + \mu` (``wh_inverse``, as ``whiten apply
        --inverse``).

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_features)

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "_net")
        Y = self._rows(Y, reset=False)
        X = np.empty_like(Y)
        self._net.inverse(Y, X)
        return X

    # ------------------------------------------------------------------ attributes

    @property
    def M_(self):
        """Lateral weights M, (n, n); for interneurons W W^T, for the gain circuits
        alpha I + W diag(g) W^T."""
        check_is_fitted(self, "_net")
        return self._net.lateral()

    @property
    def W_(self):
        """Interneuron synapses, or a gain circuit's frame or synapses, (n, k); None for the
        direct network."""
        check_is_fitted(self, "_net")
        return self._net.weights()

    @property
    def g_(self):
        """A gain circuit's gains, (K,); None for the other circuits."""
        check_is_fitted(self, "_net")
        return self._net.gains()

    @property
    def mean_(self):
        """The mean subtracted before the network, (n,); None without centring."""
        check_is_fitted(self, "_net")
        c = self._net.center()
        return None if c is None else c[0]

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
        return export_state(self._net)

    def _import(self, meta, arrays):
        self._net = import_state(meta, arrays)
        self.n_features_in_ = meta["n"]

    def save(self, path):
        """Write the network (and the mean) as a state file that ``whiten apply --state`` and
        ``whiten stream --state`` read (docs/state-format.md), atomically.

        Parameters
        ----------
        path : str or os.PathLike
        """
        check_is_fitted(self, "_net")
        meta, arrays = self._export()
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
            self._import(*exported)


def export_state(net):
    """(meta, arrays) of a network, in the state file's terms (docs/state-format.md)."""
    name = _KIND_NAMES[net.kind]
    meta = {"format": "whiten-state", "version": 1,
            "creator": f"whiten {_whiten.version()} (Python)",
            "net": name, "n": net.n, "k": net.k, "eta": net.eta}
    if name in _GAIN:
        meta["alpha"] = net.alpha
        if name == "gain-synapse":
            meta["eta_w"] = net.eta_w
    meta.update({"solver": _SOLVER_NAMES[net.solver], "refresh": net.refresh,
                 "samples": str(net.samples)})
    kind, tau, gamma, start = net.schedule
    if kind != 0:
        meta["schedule"] = {"kind": "decay", "tau": tau, "gamma": gamma, "start": str(start)}
    arrays = {"M": net.lateral()}
    if name != "direct":
        arrays["W"] = net.weights()
    if name in _GAIN:
        arrays["g"] = net.gains()
    center = net.center()
    if center is not None:
        mean, count, window = center
        meta["center"] = {"window": window, "count": str(count)}
        arrays["mean"] = mean
    ridge, ridge_seed = net.ridge
    if ridge > 0.0:
        meta["ridge"] = ridge
        meta["ridge_seed"] = str(ridge_seed)
    state = net.solver_state()
    # The exact gain circuits' state is g, saved as g.npy; gain modulation's fast path keeps
    # its refresh's gains and M besides, after g (docs/state-format.md).
    if state.size and (name not in _GAIN or net.solver == SOLVERS["fast"]):
        arrays["solver_state"] = state
    return meta, arrays


def import_state(meta, arrays):
    """A network from (meta, arrays) as read_state() returns them, continuing bit for bit."""
    name, n, k = meta["net"], meta["n"], meta["k"]
    sched = meta.get("schedule")
    schedule = dict(schedule=1, tau=sched["tau"], gamma=sched["gamma"],
                    start=int(sched["start"])) if sched else {}
    samples = int(meta["samples"])
    if name in _GAIN:
        # As `whiten` reads it (src/cli/data.c): the saved W is the frame, then the gains
        # (and the synapses of gain-synapse) go back.
        W = arrays["W"]
        solver = SOLVERS[meta.get("solver", "exact")]   # the path it ran, not auto's
        net = _whiten.Net(KINDS[name], n, k=k, eta=float(meta["eta"]), alpha=meta["alpha"],
                          eta_w=meta.get("eta_w", 1e-3), frame=3, matrix=W, solver=solver,
                          **schedule)
        net.restore_gains(W if name == "gain-synapse" else None, arrays["g"], samples)
        state = arrays.get("solver_state")
        if state is not None and solver == SOLVERS["fast"]:
            if state.size != net.solver_state().size or \
                    state[:k].tobytes() != np.asarray(arrays["g"], dtype=np.float64).tobytes():
                raise ValueError("solver_state does not belong to this gain network (its gains "
                                 "are not those of g beside it, or its size differs)")
            net.restore_gains(None, arrays["g"], samples, state)
    else:
        solver = SOLVERS[meta.get("solver", "exact")]
        net = _whiten.Net(KINDS[name], n, k=k, eta=float(meta["eta"]), solver=solver,
                          refresh=int(meta.get("refresh", 0)) if solver == 2 else 0, **schedule)
        net.restore(arrays["M"] if name == "direct" else arrays["W"], samples,
                    arrays.get("solver_state"))
    center = meta.get("center")
    if center is not None:
        net.set_center(float(center["window"]), arrays["mean"], int(center["count"]))
    if meta.get("ridge", 0.0) > 0.0:
        net.set_ridge(float(meta["ridge"]), int(meta["ridge_seed"]))
    return net


def load(path):
    """Read a state file written by ``whiten fit`` (or :meth:`Whitener.save`).

    The network continues exactly where it stopped: its synapses (or gains), sample count,
    the fast solver's own state, the learning-rate schedule and the mean are put back, so
    :meth:`Whitener.transform` gives the bits of ``whiten apply --state`` and further
    learning those of ``whiten stream --state``.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Whitener
        Fitted, with the parameters the file records (``net``, ``k``, ``eta``, ``solver``,
        ``refresh``, the schedule, ``center`` and ``center_window``, ``ridge`` with its
        seed as ``random_state``, and for the gain circuits ``alpha``, ``eta_w`` and the
        frame); the initial scale (and the seed, without a ridge) do not matter any more
        and keep their defaults.
    """
    meta, arrays = read_state(path)
    net, solver = meta["net"], meta.get("solver", "exact")
    params = dict(net=net, k=meta["k"], eta=float(meta["eta"]))
    if net in _GAIN:
        params.update(alpha=meta["alpha"], frame=arrays["W"], solver=solver)
        if net == "gain-synapse":
            params["eta_w"] = meta["eta_w"]
    else:
        params.update(solver=solver, refresh=int(meta.get("refresh", 0)) if solver == "fast"
                      else 0)
    sched = meta.get("schedule")
    if sched:
        params.update(schedule="decay", tau=sched["tau"], gamma=sched["gamma"],
                      schedule_start=int(sched["start"]))
    center = meta.get("center")
    params.update(center=center is not None,
                  center_window=float(center["window"]) if center is not None else 1000.0)
    if meta.get("ridge", 0.0) > 0.0:   # the noise goes on from the file's seed
        params.update(ridge=float(meta["ridge"]), random_state=int(meta["ridge_seed"]))
    w = Whitener(**params)
    w._import(meta, arrays)
    return w
