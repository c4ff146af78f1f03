"""What a person does on a lead-magnet page, through the test client: ask for the download."""

import time

from django.core import signing

from newsletter.forms import STARTED_SALT
from tests.newsletter.visitor import ORIGIN


def request_guide(client, guide, **overrides):
    data = {
        "email": "reader@example.org",
        "first_name": "Rea",
        "consent": "on",
        "website": "",
        "started": signing.dumps(int(time.time()) - 30, salt=STARTED_SALT),
    }
    data.update(overrides)
    return client.post(f"/lead-magnets/{guide.pk}/request/", data, **ORIGIN)
