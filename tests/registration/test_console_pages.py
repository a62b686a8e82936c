"""Console and public registration pages end to end through the test client (§6.1.2, §6.1.4, §6.1.5, §6.7.3)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from skillcert.accounts.enums import Role
from skillcert.accounts.tokens import token_issue
from skillcert.catalog.models import Level
from skillcert.core.models import AuditEntry
from skillcert.registration import services
from skillcert.registration.applications import application_review, application_submit
from skillcert.registration.enums import AnnouncementStatus, ApplicationStatus
from skillcert.registration.models import Announcement, AnnualPlan, EligibilityRuleSet
from tests.factories import build_registration, make_candidate, pdf_embeds_font, pdf_text, submission, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(world):
    return build_registration(world)


def test_an_officer_writes_a_draft_with_the_fee_grid_and_publishes_it(client, reg):
    occ = reg.world.occupation
    lv4 = Level.objects.get(number=4)
    monitor = occ.trades.get(name="碳排放监测员")
    client.force_login(reg.officer)
    page = client.get(reverse("console:announcement_create"))
    assert page.status_code == 200
    field = f"fee_{occ.pk}_{monitor.pk}_{lv4.pk}"
    assert field in page.content.decode()
    outside = f"fee_{occ.pk}_{monitor.pk}_{Level.objects.get(number=2).pk}"
    assert outside not in page.content.decode(), "a level outside the filed scope has no cell"
    response = client.post(reverse("console:announcement_create"), {
        "title": "2027年第一季度认定公告", "eligibility": "见标准", "assessment_method": "机考",
        "registration_opens": "2027-01-05T09:00", "registration_closes": "2027-01-25T17:00",
        "venues": [reg.world.venue.pk], field: "450.50"})
    assert response.status_code == 302
    ann = Announcement.objects.get(title="2027年第一季度认定公告")
    assert [(o.trade, o.fee_fen) for o in ann.offers.all()] == [(monitor, 45050)]
    client.post(reverse("console:announcement_transition", args=[ann.pk]), {"target": "published"})
    ann.refresh_from_db()
    assert ann.status == AnnouncementStatus.PUBLISHED
    edit = client.get(reverse("console:announcement_edit", args=[ann.pk]))
    assert edit.status_code == 302, "a published announcement is not edited in place"


def test_a_draft_is_edited_and_the_change_is_audited(client, reg):
    draft = services.announcement_create(
        actor=reg.officer, body=reg.world.body, title="草稿", eligibility="a", assessment_method="b",
        registration_opens=reg.announcement.registration_opens,
        registration_closes=reg.announcement.registration_closes,
        offers=[services.Offer(reg.world.occupation, None, Level.objects.get(number=4), 100)], venues=[])
    services.announcement_update(actor=reg.officer, announcement_id=draft.pk, title="草稿（修订）",
                                 offers=[services.Offer(reg.world.occupation, None, Level.objects.get(number=3), 200)],
                                 venues=[reg.world.venue])
    draft.refresh_from_db()
    assert draft.title == "草稿（修订）" and draft.offers.get().fee_fen == 200
    entry = AuditEntry.objects.get(action="registration.announcement.updated")
    assert entry.data["changes"]["title"] == {"old": "草稿", "new": "草稿（修订）"}
    assert entry.data["changes"]["offers"]["new"] == [["4-09-07-04", None, 3, 200]]


def test_public_pages_list_show_and_print_the_announcement(client, reg):
    listing = client.get(reverse("public:announcement_list")).content.decode()
    assert reg.announcement.title in listing and "正在报名" in listing
    detail = client.get(reverse("public:announcement_detail", args=[reg.announcement.pk])).content.decode()
    for text in ("申报条件", "认定方式", "考区考点", "收费标准", "400.00", "测试考点一"):
        assert text in detail
    pdf = client.get(reverse("public:announcement_print", args=[reg.announcement.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf_embeds_font(pdf.content)
    text = pdf_text(pdf.content)
    assert reg.announcement.title in text and "收费标准" in text


def test_drafts_are_not_public(client, reg):
    draft = services.announcement_create(
        actor=reg.officer, body=reg.world.body, title="内部草稿", eligibility="a", assessment_method="b",
        registration_opens=reg.announcement.registration_opens,
        registration_closes=reg.announcement.registration_closes,
        offers=[services.Offer(reg.world.occupation, None, Level.objects.get(number=4), 100)], venues=[])
    assert client.get(reverse("public:announcement_detail", args=[draft.pk])).status_code == 404
    assert "内部草稿" not in client.get(reverse("public:announcement_list")).content.decode()


def test_annual_plan_rows_inside_the_filed_scope_and_export(client, reg):
    client.force_login(reg.officer)
    client.post(reverse("console:plan_list"), {"year": 2027, "notes": ""})
    plan = AnnualPlan.objects.get(year=2027)
    lv = {n: Level.objects.get(number=n) for n in (4, 2)}
    ok = client.post(reverse("console:plan_detail", args=[plan.pk]), {
        "occupation": reg.world.occupation.pk, "level": lv[4].pk, "month": 3, "planned_candidates": 120})
    assert ok.status_code == 302
    refused = client.post(reverse("console:plan_detail", args=[plan.pk]), {
        "occupation": reg.world.occupation.pk, "level": lv[2].pk, "month": 5, "planned_candidates": 30})
    assert "超出本机构的备案范围" in refused.content.decode()
    sheet = load_workbook(io.BytesIO(client.get(reverse("console:plan_export", args=[plan.pk])).content)).active
    assert [c.value for c in sheet[2]][:2] == [2027, 3] and sheet.max_row == 2


def test_rule_sets_are_edited_with_named_errors_and_change_the_verdict(client, reg):
    client.force_login(reg.officer)
    occ, lv4 = reg.world.occupation, Level.objects.get(number=4)
    url = reverse("console:rule_set_edit", args=[occ.pk, lv4.pk])
    assert "系统示例条件" in client.get(url).content.decode()
    bad = client.post(url, {"rules": '[[{"type": "experience", "min_years": -1}]]'})
    assert "第1项第1个条件：年限应为不小于0的数字" in bad.content.decode()
    broken = client.post(url, {"rules": "[[{"})
    assert "JSON 格式错误" in broken.content.decode()
    client.post(url, {"rules": '[[{"type": "experience", "min_years": 5}]]', "note": "企业自定"})
    assert EligibilityRuleSet.objects.get(body=reg.world.body, level=lv4).rules == [
        [{"type": "experience", "min_years": 5}]]
    user = make_candidate(60, education=4, years="3")
    app = application_submit(actor=user, announcement_id=reg.announcement.pk,
                             offer_id=reg.offers[("碳排放监测员", 4)].pk, submission=submission(user))
    assert not app.eligible and "依据本机构设定的申报条件" in app.explanation


def test_review_list_bulk_approve_and_summary_export(client, reg):
    apps = []
    for n in (70, 71):
        user = make_candidate(n)
        apps.append(application_submit(actor=user, announcement_id=reg.announcement.pk,
                                       offer_id=reg.offers[("碳排放核算员", 4)].pk, submission=submission(user)))
    client.force_login(reg.officer)
    listing = client.get(reverse("console:application_list", args=[reg.announcement.pk]))
    assert "考生70" in listing.content.decode()
    client.post(reverse("console:application_bulk_approve", args=[reg.announcement.pk]), {"ids": [apps[0].pk]})
    apps[0].refresh_from_db()
    assert apps[0].status == ApplicationStatus.APPROVED
    sheet = load_workbook(io.BytesIO(client.get(
        reverse("console:registration_summary_export", args=[reg.announcement.pk])).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    accountant = next(r for r in rows if r[1] == "碳排放核算员" and "四级" in r[2])
    assert accountant[header.index("审核通过")] == 1 and accountant[header.index("已提交，待审核")] == 1
    assert rows[-1][0] == "合计" and rows[-1][-1] == 2


def test_import_page_shows_errors_and_offers_the_report(client, reg):
    from tests.registration.test_import import row, xlsx

    client.force_login(reg.officer)
    upload = io.BytesIO(xlsx([row(1), row(2, **{"手机号*": "abc"})]))
    upload.name = "名单.xlsx"
    page = client.post(reverse("console:import_page", args=[reg.announcement.pk]), {"file": upload})
    text = page.content.decode()
    assert "未导入任何数据" in text and "D（手机号）" in text
    token = page.context["report"]
    report = client.get(reverse("console:import_report", args=[token]))
    assert report.status_code == 200
    other = user_with_role(Role.EXAM_AFFAIRS, reg.world.body, username="other_officer")
    client.force_login(other)
    assert client.get(reverse("console:import_report", args=[token])).status_code == 404


def test_api_exports_approved_registrations_to_a_token_holder_in_scope(client, reg):
    user = make_candidate(80)
    app = application_submit(actor=user, announcement_id=reg.announcement.pk,
                             offer_id=reg.offers[("碳排放监测员", 3)].pk, submission=submission(user))
    application_review(actor=reg.officer, application_id=app.pk, decision=ApplicationStatus.APPROVED)
    url = reverse("api:approved_registrations", args=[reg.announcement.pk])
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    supervisor = user_with_role(Role.INTERNAL_SUPERVISOR, reg.world.body)
    key = token_issue(actor=None, user=supervisor, name="监管平台")
    body = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert body["format"] == "skillcert.registrations/1" and body["count"] == 1
    entry = body["registrations"][0]
    assert entry["id_number"] == user.id_number and entry["level"] == 3 and entry["trade"] == "碳排放监测员"
    stranger = user_with_role(Role.INTERNAL_SUPERVISOR, reg.world.other_body)
    other_key = token_issue(actor=None, user=stranger, name="x")
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other_key}").status_code == 404


def test_api_tokens_are_listed_and_revoked_by_command(client, reg, capsys):
    from django.core.management import call_command

    supervisor = user_with_role(Role.INTERNAL_SUPERVISOR, reg.world.body, username="sup")
    call_command("api_token", "sup", "--name", "监管平台")
    key = capsys.readouterr().out.strip()
    url = reverse("api:approved_registrations", args=[reg.announcement.pk])
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    call_command("api_token", "sup", "--list")
    listing = capsys.readouterr().out
    number = int(listing.split()[0])
    assert "监管平台" in listing and "active" in listing
    call_command("api_token", "--revoke", str(number))
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    assert AuditEntry.objects.filter(action="accounts.api_token.revoked").exists()
    assert supervisor.api_tokens.get().revoked_at is not None


def test_announcement_specific_rules_apply_only_to_that_announcement(client, reg):
    client.force_login(reg.officer)
    occ, lv4 = reg.world.occupation, Level.objects.get(number=4)
    url = reverse("console:rule_set_edit", args=[occ.pk, lv4.pk])
    assert client.get(url + "?announcement=x").status_code == 404
    client.post(url + f"?announcement={reg.announcement.pk}",
                {"rules": '[[{"type": "education", "min": "master"}]]', "note": "企业定向"})
    rule = EligibilityRuleSet.objects.get(announcement=reg.announcement)
    assert rule.rules == [[{"type": "education", "min": "master"}]]
    user = make_candidate(90, education=4, years="5")
    app = application_submit(actor=user, announcement_id=reg.announcement.pk,
                             offer_id=reg.offers[("碳排放监测员", 4)].pk, submission=submission(user))
    assert not app.eligible and "依据本公告专门设定的申报条件" in app.explanation
    assert "公告专用条件" in client.get(reverse("console:rule_set_list")).content.decode()
