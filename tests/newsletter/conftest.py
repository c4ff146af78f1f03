import pytest

from newsletter.views import BLOCK_TYPE
from website.models import StandardPage


@pytest.fixture
def signup_form(demo_site):
    """The demo newsletter page and its sign-up block."""
    page = StandardPage.objects.get(slug="newsletter")
    block = next(child for child in page.body if child.block_type == BLOCK_TYPE)
    return page, block
