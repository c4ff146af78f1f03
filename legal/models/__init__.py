"""The legal app's models, one module per concern, and the vocabularies of their fields."""

from ..choices import ConsentMethod, LegalBasis, LegalKind, ServiceType, TransferSafeguard
from .consent import ConsentBannerSettings, ConsentRecord, ServiceCookie
from .pages import ImpressumPage, LegalPage, PolicyPage
from .services import ThirdPartyService
from .versions import PolicyVersion

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
