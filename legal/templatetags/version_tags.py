"""`{{ label|version_name }}`: how a sentence names a version label ("version 2.1", or the
business's own "V2.4.3"), for labels not yet frozen into a PolicyVersion (its `name`)."""

from django import template

from ..version_labels import version_name as name_of

register = template.Library()


@register.filter
def version_name(label: str) -> str:
    return name_of(label or "")
