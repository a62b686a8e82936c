"""One way from a POST to a service (issue #21 item 1): a view binds a form and calls one service; bad input is
refused by the form with a message naming the field, and nothing is written; no view parses request.POST itself.
"""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.core.forms import form_refusal
from tests.factories import PASSWORD, build_registration, user_with_role


def test_a_refused_form_names_each_field():
    class Sample(forms.Form):
        target = forms.ChoiceField(label="目标状态", choices=[("a", "A")])
        count = forms.IntegerField(label="份数", min_value=1)

    form = Sample({"target": "zzz", "count": "-3"})
    assert not form.is_valid()
    messages = form_refusal(form).messages
    assert len(messages) == 2 and messages[0].startswith("目标状态：") and messages[1].startswith("份数：")


def _shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_an_unknown_target_is_refused_naming_the_field_and_nothing_moves(client, world):
    reg = build_registration(world)
    client.force_login(reg.officer)
    response = client.post(reverse("console:announcement_transition", args=[reg.announcement.pk]),
                           {"target": "nowhere"})
    assert response.status_code == 302
    assert any(m.startswith("目标状态：") for m in _shown(response))
    reg.announcement.refresh_from_db()
    assert reg.announcement.status == "published"


@pytest.mark.django_db
def test_a_bulk_approval_with_an_application_outside_the_announcement_approves_nothing(client, world):
    from skillcert.registration.applications import application_submit
    from skillcert.registration.models import Application
    from tests.factories import make_candidate, submission

    reg = build_registration(world)
    user = make_candidate(80)
    app = application_submit(actor=user, announcement_id=reg.announcement.pk,
                             offer_id=reg.offers[("碳排放核算员", 4)].pk, submission=submission(user))
    client.force_login(reg.officer)
    url = reverse("console:application_bulk_approve", args=[reg.announcement.pk])
    response = client.post(url, {"ids": [app.pk, 2**31 - 1]})
    assert any(m.startswith("报名：") for m in _shown(response))
    assert Application.objects.get(pk=app.pk).status == app.status
    assert any("请先勾选" in m for m in _shown(client.post(url, {})))


@pytest.mark.django_db
def test_a_pass_rule_that_is_not_a_number_is_refused_naming_the_field(client, world):
    from skillcert.catalog.models import Level
    from skillcert.grading.models import PassRule

    level = Level.objects.get(number=2)
    client.force_login(world.platform_admin)
    response = client.post(reverse("console:pass_rule_edit", args=[level.pk]), {
        "theory_min": "abc", "practical_min": "60", "review_min": "60", "review_mode": "each",
        "defence_weight": "500"})
    (shown,) = _shown(response)  # one message naming both fields
    assert shown.startswith("理论知识合格分：") and "；答辩成绩权重（%）：" in shown
    assert not PassRule.objects.filter(level=level).exists()


@pytest.mark.django_db
def test_an_export_decision_without_a_choice_decides_nothing(client, bw):
    """Before issue #21 an empty POST rejected the export (anything but "1" meant no): now the form asks."""
    from skillcert.itembank import services
    from skillcert.itembank.enums import ExportStatus, ItemStatus

    req = services.export_request(actor=bw.manager, bank_id=bw.bank.pk, format="xlsx", statuses=[ItemStatus.DRAFT],
                                  reason="备份")
    second = user_with_role(Role.BANK_MANAGER, bw.world.body, username="manager_two")
    client.force_login(second)
    url = reverse("console:export_decide", args=[req.pk])
    assert any(m.startswith("审批结论：") for m in _shown(client.post(url, {})))
    req.refresh_from_db()
    assert req.status == ExportStatus.PENDING
    client.post(url, {"approve": "0"})
    req.refresh_from_db()
    assert req.status == ExportStatus.REJECTED


@pytest.fixture
def bw(db):
    from tests.itembank.conftest import make_world

    return make_world()


@pytest.mark.django_db
def test_the_login_form_carries_where_to_go_next(client, world):
    user = user_with_role(Role.EXAM_AFFAIRS, world.body, username="next_officer")
    page = client.get(reverse("accounts:login"), {"next": "/console/plans/"}).content.decode()
    assert 'id="id_next"' in page and page.count('value="/console/plans/"') == 1  # the form's field, once
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD,
                                                      "next": "/console/plans/"})
    assert response["Location"] == "/console/plans/"
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD,
                                                      "next": "https://evil.example/"})
    assert response["Location"] == "/console/"
