"""The newsletter app's demo content for `load_initial_data`: the topics of the preference centre
and the footer sign-up form. The content is in content.toml next to this module; the builders
leave whatever they find alone, so an editor's changes survive another load.
"""

from wagtail.models import Page, Site

from legal.demo import Report, read_data

from ..models import NewsletterSettings, NewsletterTopic


def ensure_footer_signup(home: Page, report: Report) -> None:
    """The sign-up form in the footer of the site whose root is `home`."""
    site_newsletter = NewsletterSettings.for_site(Site.objects.get(root_page=home))
    if site_newsletter.footer_signup:
        report(False, "footer sign-up form")
        return
    site_newsletter.footer_signup = read_data(__name__, "content.toml")["footer_signup"]
    site_newsletter.save()
    report(True, "footer sign-up form")


def ensure_topics(report: Report) -> None:
    for order, spec in enumerate(read_data(__name__, "content.toml")["topics"]):
        _topic, created = NewsletterTopic.objects.get_or_create(
            slug=spec["slug"], defaults={**spec, "sort_order": order}
        )
        report(created, f"newsletter topic '{spec['name']}'")
