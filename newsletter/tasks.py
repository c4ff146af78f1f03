"""Background work run by `manage.py db_worker`: thin task wrappers, each calling one
function of the module that does the work, and the receivers that wake them.

The queue stores a task by its path (`newsletter.tasks.<name>`), so the tasks stay here.
The outbox names no task: it sends `jobs_queued` / `erasure_queued` when a job becomes
due, and the receivers below enqueue the task that runs it. `NewsletterConfig.ready()`
imports this module, which connects them.
"""

from django.dispatch import receiver
from django_tasks import task

from . import inbound, mail, outbox


@task()
def send_confirmation(request_id: int) -> None:
    """The mail with a sign-up request's confirmation link."""
    mail.send_confirmation_mail(request_id)


@task()
def sync_contact(contact_id: int) -> None:
    """Bring a contact's due outbox jobs to Mailchimp, oldest first."""
    outbox.run_due_jobs(contact_id)


@task()
def erase_member(job_id: int) -> None:
    """Carry an erasure to Mailchimp (GDPR Art. 28(3)(g)), retried like any outbox job."""
    outbox.run_erasure(job_id)


@task()
def apply_webhook_event(event_id: int, email: str, old_email: str = "", attempt: int = 0) -> None:
    """Apply what a Mailchimp webhook was about, once; a failure comes back here later,
    after the outbox's backoff."""
    retry = inbound.apply_event(event_id, email, old_email, attempt)
    if retry is not None:
        when, next_attempt = retry
        outbox.defer(apply_webhook_event, when, event_id, email, old_email, next_attempt)


# A wake-up with `run_after` is deferred where the backend can wait (the database backend);
# one that cannot, like the test suite's immediate backend, leaves it to the next run.


@receiver(outbox.jobs_queued, dispatch_uid="newsletter.tasks.wake_sync_contact")
def wake_sync_contact(sender, *, contact_id, run_after=None, **kwargs):
    if run_after is None:
        sync_contact.enqueue(contact_id)
    elif sync_contact.get_backend().supports_defer:
        sync_contact.using(run_after=run_after).enqueue(contact_id)


@receiver(outbox.erasure_queued, dispatch_uid="newsletter.tasks.wake_erase_member")
def wake_erase_member(sender, *, job_id, run_after=None, **kwargs):
    if run_after is None:
        erase_member.enqueue(job_id)
    elif erase_member.get_backend().supports_defer:
        erase_member.using(run_after=run_after).enqueue(job_id)
