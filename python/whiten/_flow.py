"""The continuous synaptic dynamics and convergence times, as ``whiten flow`` computes them."""
from dataclasses import dataclass

import numpy as np

from . import _whiten
from ._state import KINDS


@dataclass
class Flow:
    """A trajectory of the averaged dynamics (see :func:`flow`)."""

    t: np.ndarray            #: times, (T,)
    error: np.ndarray        #: whitening error E(M(t)), (T,)
    eigenvalues: np.ndarray  #: eigenvalues of M(t), ascending, (T, n)
    M: np.ndarray            #: M(t), (T, n, n)
    convergence_time: float  #: T_eps, numerical (NaN if not reached by t_max)
    closed_form_time: float  #: T_eps in closed form (NaN unless M0 = alpha I commutes with C)
    steps: int               #: integrator steps taken


def _covariance(C, eigenvalues):
    if (C is None) == (eigenvalues is None):
        raise ValueError("give C (a covariance matrix) or eigenvalues, not both")
    if eigenvalues is not None:
        lam = np.asarray(eigenvalues, dtype=np.float64).reshape(-1)
        if lam.size == 0 or not np.all(np.isfinite(lam)) or not np.all(lam > 0):
            raise ValueError("eigenvalues must be finite and > 0 (a covariance has no others)")
        return np.diag(lam)
    C = np.ascontiguousarray(C, dtype=np.float64)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C must be a square matrix, got shape {C.shape}")
    return C


def _kind(net):
    if net not in ("direct", "interneuron"):
        raise ValueError(f"net must be 'direct' or 'interneuron', got {net!r} (the flows of the "
                         "gain circuits are `whiten flow --net gain`'s; see gain_optimum)")
    return KINDS[net]


def flow(net="interneuron", C=None, eigenvalues=None, t=None, init_scale=1.0, k=None,
         closed_m=False, eps=0.01, t_max=1e6, rtol=1e-10, atol=0.0, random_state=None):
    r"""Integrate the small-:math:`\eta` limit of a network's learning.

    With :math:`t = \eta \times` samples, averaging the updates over inputs of covariance
    :math:`C` gives

    .. math::

        \text{direct:}\quad \frac{dM}{dt} = M^{-1} C M^{-1} - I, \qquad
        \text{interneurons:}\quad \frac{dW}{dt} = (M^{-1} C M^{-1} - I) W,\; M = W W^\top,

    from :math:`M_0 = \alpha I`, both settling at :math:`C^{1/2}`. The whitening error is
    :math:`E(M) = \lVert M^{-1} C M^{-1} - I \rVert_2`; the convergence time
    :math:`T_\varepsilon` is the first :math:`t` with :math:`E \le \varepsilon`. GSL's rk8pd
    integrates (``wh_flow_*``), as ``whiten flow`` does.

    Parameters
    ----------
    net : {"interneuron", "direct"}
    C : array-like of shape (n, n), optional
        Input covariance (symmetric positive definite).
    eigenvalues : array-like of shape (n,), optional
        Instead of C: C = diag(eigenvalues), as ``whiten flow --eigenvalues``.
    t : array-like of shape (T,), optional
        Ascending times at which to record the flow; default 101 points from 0 to
        :math:`T_\varepsilon` (or ``t_max``).
    init_scale : float
        :math:`\alpha`.
    k : int, optional
        Interneurons (default n).
    closed_m : bool
        Interneurons: integrate the closed flow :math:`dM/dt = M^{-1} C + C M^{-1} - 2M`.
    eps, t_max, rtol, atol : float
        Threshold of :math:`T_\varepsilon`, the time limit of its search, and the
        integrator's tolerances (atol 0: automatic).
    random_state : int or None
        Seed of the interneurons' initial rotation (None: 1, as ``whiten flow``).

    Returns
    -------
    Flow
    """
    kind = _kind(net)
    C = _covariance(C, eigenvalues)
    n = C.shape[0]
    seed = 1 if random_state is None else int(random_state)
    common = dict(k=0 if k is None else int(k), closed_lateral=bool(closed_m),
                  init_scale=float(init_scale), seed=seed, rtol=float(rtol), atol=float(atol),
                  eps=float(eps))
    probe = np.zeros(1)
    *_, t_eps, steps = _whiten.flow(kind, C, probe, t_max=float(t_max), **common)
    if t is None:
        end = t_eps if np.isfinite(t_eps) else float(t_max)
        t = np.linspace(0.0, end, 101)
    t = np.ascontiguousarray(t, dtype=np.float64).reshape(-1)
    errors, eig, Ms, _, _ = _whiten.flow(kind, C, t, **common)
    closed = np.nan
    if np.allclose(C, np.diag(np.diag(C)), rtol=0.0, atol=0.0):
        closed = convergence_time(net, eigenvalues=np.diag(C), init_scale=init_scale, eps=eps)
    return Flow(t, errors, eig, Ms, t_eps, closed, steps)


def convergence_time(net="interneuron", C=None, eigenvalues=None, init_scale=1.0, eps=0.01,
                     method="closed", t_max=1e6, rtol=1e-10, k=None, random_state=None):
    r"""The convergence time :math:`T_\varepsilon` of the flow from :math:`M_0 = \alpha I`.

    ``method="closed"`` uses the closed forms of a start that commutes with :math:`C`
    (science.md section 4), with :math:`d = m_0^2 - \lambda`, :math:`s = \sqrt\lambda`,

    .. math::

        \text{interneurons:}\quad T_\varepsilon = \max_i \tfrac14
            \ln\frac{|d_i| (1 \mp \varepsilon)}{\varepsilon \lambda_i},\qquad
        \text{direct:}\quad T_\varepsilon = \max_i s_i [G(u_\varepsilon) - G(u_{0,i})],

    :math:`G(u) = -u + \tfrac12 \ln|(1+u)/(1-u)|`, :math:`u_0 = m_0/s`, :math:`u_\varepsilon =
    (1 \mp \varepsilon)^{-1/2}`; :math:`\lambda_i` the eigenvalues of :math:`C`.
    ``method="numerical"`` integrates the flow (:func:`flow`) and root-finds the crossing.

    Parameters
    ----------
    net : {"interneuron", "direct"}
    C : array-like of shape (n, n), optional
    eigenvalues : array-like of shape (n,), optional
    init_scale : float
        :math:`\alpha = m_0`.
    eps : float
    method : {"closed", "numerical"}
    t_max, rtol, k, random_state
        For the numerical method (see :func:`flow`).

    Returns
    -------
    float
        :math:`T_\varepsilon` (NaN if the numerical flow does not reach eps by t_max).
    """
    kind = _kind(net)
    if method == "closed":
        if eigenvalues is None:
            eigenvalues = np.linalg.eigvalsh(_covariance(C, None))
        lam = np.ascontiguousarray(eigenvalues, dtype=np.float64).reshape(-1)
        m0 = np.full_like(lam, float(init_scale))
        return _whiten.closed_time(kind, lam, m0, float(eps))
    if method != "numerical":
        raise ValueError(f"method must be 'closed' or 'numerical', got {method!r}")
    C = _covariance(C, eigenvalues)
    seed = 1 if random_state is None else int(random_state)
    *_, t_eps, _ = _whiten.flow(kind, C, np.zeros(1), k=0 if k is None else int(k),
                                init_scale=float(init_scale), seed=seed, rtol=float(rtol),
                                eps=float(eps), t_max=float(t_max))
    return t_eps


def gain_optimum(W, alpha, C):
    r"""The gain circuits' optimal gains (``wh_gain_optimum``, science.md §7):

    .. math:: g^* = ((W^\top W) \circ (W^\top W))^{-1}
              \operatorname{diag}(W^\top (C^{1/2} - \alpha I) W),

    the only fixed point of the gain dynamics when the :math:`w_i w_i^\top` span the symmetric
    matrices; then :math:`\alpha I + W \operatorname{diag}(g^*) W^\top = C^{1/2}`.

    Parameters
    ----------
    W : array-like of shape (n, K)
        The frame, e.g. ``Whitener(net="gain").fit(X).W_``.
    alpha : float
        The leak :math:`\alpha \ge 0`.
    C : array-like of shape (n, n)
        A covariance (symmetric positive definite).

    Returns
    -------
    g : ndarray of shape (K,)
    """
    W = np.ascontiguousarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"W must be an (n, K) array, got shape {W.shape}")
    return _whiten.gain_optimum(W, float(alpha), _covariance(C, None))
