"""Spreadsheet exports from the admin that cannot smuggle in a formula (CSV injection).

Anonymous visitors write what some exports hold (form submissions), and a spreadsheet
program runs a cell such as `=HYPERLINK("http://evil","x")` as a formula when the editor
opens the file. Every CSV the project writes goes through Wagtail's SpreadsheetExportMixin,
so one mixin before it covers them all: a form page's submissions
(`FormulaSafeSubmissionsListView`, returned by its `get_submissions_list_view_class`) and
any viewset with `list_export` (`FormulaSafeIndexView` as its `index_view_class`). It lives
in `legal`, the app every other one may import.

XLSX: Wagtail already stores every data cell that openpyxl takes for a formula as text, but
not the heading row, whose labels editors write (a form field's label); headings are
neutralised in both formats.
"""

from wagtail.admin.views.generic import IndexView as ModelIndexView
from wagtail.contrib.forms.views import SubmissionsListView as WagtailSubmissionsListView

# OWASP "CSV Injection": cells starting with these are formulas (or start one) in Excel,
# LibreOffice and Google Sheets; a leading single quote makes them text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """`value` with a single quote in front when a spreadsheet would read it as a formula.
    Only strings: a number such as -1 is a number, never a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class FormulaSafeExportMixin:
    """Put before SpreadsheetExportMixin (or a view built on it) in the bases."""

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV:
            return neutralise_formula(value)
        return value

    def get_heading(self, queryset, field):
        return neutralise_formula(super().get_heading(queryset, field))


class FormulaSafeSubmissionsListView(FormulaSafeExportMixin, WagtailSubmissionsListView):
    """Wagtail's form submissions listing and export, formula-safe."""


class FormulaSafeIndexView(FormulaSafeExportMixin, ModelIndexView):
    """A ModelViewSet's listing and export, formula-safe."""
