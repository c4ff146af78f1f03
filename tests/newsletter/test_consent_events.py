"""Every consent event goes through `ConsentEvent.objects.record`, and the migration that
renamed SignupConsent keeps every row it held."""

import hashlib
import pathlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from legal.models import LegalKind, PolicyVersion
from newsletter.models import ConsentChannel, ConsentEvent, Contact, SignupRequest
from tests.legal.factories import PolicyPageFactory
from tests.legal.publishing import publish

BEFORE = [("newsletter", "0008_link_keys_unique")]
AFTER = [("newsletter", "0011_consent_event_drop_withdrawn")]


@pytest.fixture
def privacy_policy(home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy", title="Privacy policy")
    publish(page)
    return page


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_rename_keeps_every_row_and_splits_channels_from_page_addresses():
    try:
        old = migrate(BEFORE)
        contact = old.get_model("newsletter", "Contact").objects.create(
            email="ada@example.org", email_key="ada@example.org"
        )
        consents = old.get_model("newsletter", "SignupConsent").objects
        rows = [
            ("newsletter", "Yes, send it.", "/newsletter/", False),
            ("newsletter", "Yes, from the footer.", "footer", False),
            ("topic:guides", "Tell me about guides.", "preference-centre", True),
            ("newsletter", "Unsubscribed in Mailchimp.", "mailchimp-webhook", True),
        ]
        for purpose, text, where, withdrawn in rows:
            # The webhook's withdrawals were stored without a hash before the recorder.
            digest = hashlib.sha256(text.encode()).hexdigest()
            if where == "mailchimp-webhook":
                digest = ""
            consents.create(
                contact=contact,
                purpose=purpose,
                consent_text=text,
                text_sha256=digest,
                source_url=where,
                withdrawn=withdrawn,
            )
        old.get_model("newsletter", "SignupRequest").objects.create(
            contact=contact, consents=[], source_url="unsubscribe-undo"
        )

        new = migrate(AFTER)
        events = new.get_model("newsletter", "ConsentEvent").objects.order_by("pk")
        assert [(e.text, e.channel, e.page_url, e.action) for e in events] == [
            ("Yes, send it.", "form", "/newsletter/", "given"),
            ("Yes, from the footer.", "footer", "", "given"),
            ("Tell me about guides.", "preference-centre", "", "withdrawn"),
            ("Unsubscribed in Mailchimp.", "mailchimp-webhook", "", "withdrawn"),
        ]
        for event in events:
            assert event.text_sha256 == hashlib.sha256(event.text.encode()).hexdigest()
        request = new.get_model("newsletter", "SignupRequest").objects.get()
        assert (request.channel, request.page_url) == ("unsubscribe-undo", "")

        # And back: the words return to the URL field, the flag to `withdrawn`.
        old = migrate(BEFORE)
        back = old.get_model("newsletter", "SignupConsent").objects.order_by("pk")
        assert [(c.source_url, c.withdrawn) for c in back] == [
            (where, withdrawn) for _purpose, _text, where, withdrawn in rows
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_the_recorder_stores_text_hash_and_the_policy_version_in_force(privacy_policy):
    contact = Contact.objects.create(email="ada@example.org")
    event = ConsentEvent.objects.record(
        contact,
        purpose="newsletter",
        text="Unsubscribed in Mailchimp.",
        channel=ConsentChannel.MAILCHIMP_WEBHOOK,
        withdrawn=True,
    )
    event.refresh_from_db()
    assert event.text_sha256 == hashlib.sha256(b"Unsubscribed in Mailchimp.").hexdigest()
    assert event.privacy_version == PolicyVersion.objects.in_force(LegalKind.PRIVACY)
    assert event.privacy_version is not None
    assert (event.action, event.withdrawn) == (ConsentEvent.Action.WITHDRAWN, True)


@pytest.mark.django_db
def test_a_signup_keeps_the_version_it_showed_even_after_a_new_one(privacy_policy):
    contact = Contact.objects.create(email="ada@example.org")
    shown = PolicyVersion.objects.in_force(LegalKind.PRIVACY)
    request = SignupRequest.objects.create(contact=contact, consents=[], privacy_version=shown)
    event = ConsentEvent.objects.record(
        contact,
        purpose="newsletter",
        text="Yes.",
        channel=request.channel,
        privacy_version=request.privacy_version,
        occurred_at=request.created_at,
    )
    assert event.privacy_version == shown and event.channel == ConsentChannel.FORM


def test_no_module_writes_consent_rows_but_the_recorder():
    """The one way in: `ConsentEvent.objects.record`, never `create` by hand."""
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("newsletter", "leadmagnets", "legal", "site")
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
        and "ConsentEvent.objects.create" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
