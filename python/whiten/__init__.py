"""whiten: adaptive statistical whitening by recurrent neural networks, over libwhiten.

``Whitener`` is a scikit-learn estimator (fit, partial_fit, transform, ...) and an online
filter (filter, step) over every circuit of the library (direct, interneuron, gain,
gain-synapse), centring its inputs first; ``flow`` and ``convergence_time`` give the
continuous dynamics and their convergence times, ``gain_optimum`` the gain circuits' optimal
gains; ``load`` reads the state files ``whiten fit`` writes.
"""
from ._whiten import ConvergenceError, DivergedError
from ._whiten import version as _library_version
from ._estimator import Whitener, load
from ._flow import Flow, convergence_time, flow, gain_optimum

__version__ = _library_version()
__all__ = ["Whitener", "load", "flow", "convergence_time", "gain_optimum", "Flow",
           "DivergedError", "ConvergenceError"]
