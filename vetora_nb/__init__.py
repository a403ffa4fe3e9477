"""vetora_nb: event-driven vs request-response, simulated side by side.

Build an :class:`Architecture` (or take one from :mod:`vetora_nb.scenarios`),
drive identical seeded :class:`Traffic` through it with :func:`simulate`,
inject faults, and read the measured :class:`Result`.
"""

from . import experiments, exercises, measures, prose, scenarios, theory
from . import architecture_files, twins
from .architecture import Architecture, CircuitBreaker
from .architecture_files import load as load_architecture
from .architecture_files import save as save_architecture
from .twins import twin
from .distributions import Constant, Distribution, Exponential, LogNormal, Uniform
from .faults import BrokerOutage, ErrorRate, NetworkPartition, Outage, Slowdown
from .results import Result, compare
from .simulation import simulate
from .sweep import sweep
from .traffic import Traffic

from . import patterns, verdicts  # noqa: E402  (after the names they build on)

__version__ = "0.1.0"

__all__ = [
    "Architecture", "CircuitBreaker", "Constant", "Distribution", "Exponential", "LogNormal",
    "Uniform", "Traffic", "Outage", "Slowdown", "ErrorRate", "NetworkPartition", "BrokerOutage",
    "simulate", "Result", "compare", "scenarios", "theory", "patterns", "sweep", "exercises", "verdicts", "measures",
    "experiments", "prose", "twins", "twin", "architecture_files", "load_architecture", "save_architecture",
]
