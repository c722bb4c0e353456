from .monitor import Monitor, no_information
from .protocols import RandomAuditing, Transitions, TrustedMonitoring, UpfrontAuditing
from .attackers import worst_case, suffix_optimal, suffix_safety, clock_search, informed_response
from .results import ControlResult
