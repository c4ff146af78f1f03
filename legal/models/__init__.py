"""The legal app's models, one module per concern."""

from .consent import ConsentBannerSettings, ConsentMethod, ConsentRecord, ServiceCookie
from .pages import ImpressumPage, LegalPage, PolicyPage
from .services import LegalBasis, ServiceType, ThirdPartyService, TransferSafeguard
from .versions import LegalKind, PolicyVersion

__all__ = [
    "ConsentBannerSettings",
    "ConsentMethod",
    "ConsentRecord",
    "ServiceCookie",
    "ServiceType",
    "ImpressumPage",
    "LegalBasis",
    "LegalKind",
    "LegalPage",
    "PolicyPage",
    "PolicyVersion",
    "ThirdPartyService",
    "TransferSafeguard",
]
