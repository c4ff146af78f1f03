"""The legal app's models, one module per concern."""

from .pages import ImpressumPage, LegalPage, PolicyPage
from .services import LegalBasis, ThirdPartyService, TransferSafeguard
from .versions import LegalKind, PolicyVersion

__all__ = [
    "ImpressumPage",
    "LegalBasis",
    "LegalKind",
    "LegalPage",
    "PolicyPage",
    "PolicyVersion",
    "ThirdPartyService",
    "TransferSafeguard",
]
