"""Background work of the public privacy-request form, run by `manage.py db_worker`: thin
task wrappers around the two mails (`privacy.mails`).

They live in this package, not in `newsletter.tasks`: `privacy.requests` enqueues them, so
`newsletter.tasks` importing the mails would make newsletter.tasks and newsletter.privacy
import each other (a cycle between the app's modules, whichever module of the package is
named)."""

from django_tasks import task

from . import mails


@task()
def send_privacy_request_link(data_request_id: int, email: str) -> None:
    mails.send_request_link(data_request_id, email)


@task()
def send_personal_data(data_request_id: int, email: str) -> None:
    mails.send_personal_data(data_request_id, email)
