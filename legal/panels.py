"""Admin panels of the legal pages that show more than fields.

`RegistryChangesPanel` sits on a policy's edit screen, above the version's facts: the changes
to the services registry (and the cookie categories) that the next version will publish. Its
template reads them through the `registry_tags` library, so this module needs no models and
the page models can import it.
"""

from wagtail.admin.panels import HelpPanel

from .blocks import registry_blocks


class RegistryChangesPanel(HelpPanel):
    """What publishing this page takes along from the registries its body renders. Shown only
    for a body with a registry block (as last saved)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("template", "legal/admin/registry_changes_panel.html")
        kwargs.setdefault("heading", "Published with this version")
        super().__init__(**kwargs)

    class BoundPanel(HelpPanel.BoundPanel):
        def is_shown(self):
            body = getattr(self.instance, "body", None)
            return super().is_shown() and bool(registry_blocks(body))
