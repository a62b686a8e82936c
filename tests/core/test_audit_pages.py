"""Audit log pages (issue #2 §4): browse, filter, export to Excel — each viewer sees their scope only."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from skillcert.accounts import services
from skillcert.accounts.enums import Role
from skillcert.core import audit
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    """One change in our body, one in another body."""
    services.organisation_update(actor=world.platform_admin, organisation_id=world.venue.pk, address="青岛市崂山区")
    services.organisation_update(actor=world.platform_admin, organisation_id=world.other_venue.pk, address="烟台市")
    return world


def _rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def test_body_admin_sees_only_their_bodys_entries(client, history):
    client.force_login(user_with_role(Role.BODY_ADMIN, history.body))
    page = client.get(reverse("console:audit_list")).content.decode()
    assert "测试考点一" in page
    assert "烟台考点" not in page


def test_quality_supervisor_can_browse_the_log(client, history):
    client.force_login(user_with_role(Role.INTERNAL_SUPERVISOR, history.body))
    response = client.get(reverse("console:audit_list"), {"action": "accounts.organisation"})
    assert response.status_code == 200
    assert [e.target_label for e in response.context["page"]] == ["测试考点一"]


def test_filter_by_action_prefix_and_outcome(client, history):
    client.force_login(history.platform_admin)
    audit.record(None, "accounts.login.failed", actor_label="mallory", outcome="failed", data={"reason": "x"})
    response = client.get(reverse("console:audit_list"), {"action": "accounts.login", "outcome": "failed"})
    assert [e.actor_label for e in response.context["page"]] == ["mallory"]


def test_export_is_an_excel_file_with_the_filtered_rows(client, history):
    client.force_login(history.platform_admin)
    response = client.get(reverse("console:audit_export"), {"action": "accounts.organisation.updated"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][:4] == ("序号", "时间", "操作人", "动作")
    assert {r[6] for r in rows[1:]} == {"测试考点一", "烟台考点"}
    assert len(rows[0]) == 11 and all(len(r[10]) == 64 for r in rows[1:])  # the hash column


def test_export_respects_the_viewers_scope(client, history):
    client.force_login(user_with_role(Role.BODY_ADMIN, history.body))
    rows = _rows(client.get(reverse("console:audit_export"), {"action": "accounts.organisation.updated"}))
    assert [r[6] for r in rows[1:]] == ["测试考点一"]


def test_export_neutralises_spreadsheet_formulas(client, history):
    client.force_login(history.platform_admin)
    audit.record(UserFactory(username="evil"), "tests.injection", target=None, actor_label="=HYPERLINK(\"x\")")
    rows = _rows(client.get(reverse("console:audit_export"), {"action": "tests.injection"}))
    assert rows[1][2] == "'=HYPERLINK(\"x\")"


def test_audit_list_query_count_does_not_grow_with_rows(client, history, django_assert_max_num_queries):
    client.force_login(history.platform_admin)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("console:audit_list"))
    for i in range(30):
        audit.record(None, "tests.bulk", actor_label="bulk", data={"i": i})
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("console:audit_list"))
