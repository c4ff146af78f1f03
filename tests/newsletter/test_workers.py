"""Two real db_worker processes on PostgreSQL never sync one contact's job twice."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from newsletter.models import Contact, SyncAttempt, SyncJob
from newsletter.tasks import sync_contact
from tests.fake_mailchimp import subscriber_hash

pytestmark = [
    pytest.mark.postgres(reason="Several workers need PostgreSQL's SKIP LOCKED"),
    pytest.mark.slow,
]
ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_sync_one_job_twice(fake_mailchimp, clock_offset_days):
    if clock_offset_days:
        pytest.skip(
            "--clock-offset-days: the db_worker processes keep the real clock, so jobs created "
            "at the moved time would not be due for them."
        )
    fake_mailchimp.latency = 0.05
    contacts = [
        Contact.objects.create(
            email=f"w{i}@example.org", status=Contact.Status.SUBSCRIBED, confirmed_at=timezone.now()
        )
        for i in range(40)
    ]
    with override_settings(TASKS=DB_TASKS):
        for contact in contacts:
            SyncJob.objects.create(contact=contact, tags=["newsletter"])
            # Each contact's task twice, as a retry racing a fresh enqueue would.
            sync_contact.enqueue(contact.pk)
            sync_contact.enqueue(contact.pk)

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "website.settings.dev",
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-key-" + "x" * 40,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MAILCHIMP_API_KEY": "0123456789abcdef0123456789abcdef-us21",
        "MAILCHIMP_AUDIENCE_ID": "list1",
        "MAILCHIMP_API_URL": fake_mailchimp.url,
    }
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
    ]
    workers = [
        subprocess.Popen(command + ["--worker-id", f"w{n}"], cwd=ROOT, env=env) for n in range(2)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    puts = dict.fromkeys((subscriber_hash(c.email) for c in contacts), 0)
    for method, path in fake_mailchimp.calls:
        if method == "PUT":
            puts[path.rsplit("/", 1)[1]] += 1
    assert set(puts.values()) == {1}
    assert SyncAttempt.objects.filter(outcome="ok").count() == 40
    assert set(Contact.objects.values_list("sync_state", flat=True)) == {"synced"}
