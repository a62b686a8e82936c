"""Embargo (§10.7 认定成绩发布前，任何人不应外泄或公布): until a body admin publishes a batch's results, no page or
API a candidate can reach shows a score or a verdict; then the candidate is told and sees them. Among staff only
the batch's grading roles see them (the permission matrix covers the console pages)."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from skillcert.accounts.enums import Role
from skillcert.core.models import Notification
from skillcert.grading import results
from skillcert.grading.models import Part, Result, ResultStatus
from skillcert.registration.models import Application, ApplicationDocument
from skillcert.scheduling.models import AdmissionTicket
from tests.factories import user_with_role

from .conftest import marked_sitting

pytestmark = pytest.mark.django_db
SCORE = "73.25"


def _candidate_pages(app) -> list[str]:
    """Every GET page of the candidate-facing faces (portal, public), with the candidate's own objects."""
    kwargs = {"application_detail": {"pk": app.pk}, "application_withdraw": None, "apply": None,
              "announcement_detail": {"pk": app.announcement_id}, "announcement_print": {"pk": app.announcement_id},
              "certificate_delete": None, "result_recheck": None, "certificate_pdf": None}
    doc = ApplicationDocument.objects.filter(application=app).first()
    kwargs["document"] = {"pk": doc.pk} if doc else None
    ticket = AdmissionTicket.objects.filter(application=app).first()
    kwargs["ticket_pdf"] = {"pk": ticket.pk} if ticket else None
    urls = []
    for namespace in ("portal", "public"):
        resolver = get_resolver().namespace_dict[namespace][1]
        for pattern in resolver.url_patterns:
            name = pattern.name
            if name in kwargs and kwargs[name] is None:
                continue  # POST-only, or nothing of this candidate's to show
            urls.append(reverse(f"{namespace}:{name}", kwargs=kwargs.get(name) or {}))
    return urls


def test_no_candidate_facing_page_shows_a_score_before_publication(client):
    day, *_rest = marked_sitting()
    batch = day.session.batch
    for r in results.results_compile(actor=day.officer, batch_id=batch.pk):
        results.score_decide(actor=day.officer, batch_id=batch.pk, application_id=r.application_id,
                             part=Part.PRACTICAL, kind="zero", reason="表B.2")
    results.results_compile(actor=day.officer, batch_id=batch.pk)
    results.results_confirm(actor=day.chief, batch_id=batch.pk)
    app = day.attempts[0].application
    mine = Result.objects.get(batch=batch, application=app)
    second = user_with_role(Role.EXAM_AFFAIRS, batch.announcement.body, username="officer2")
    change = results.change_request(actor=day.officer, result_id=mine.pk, part=Part.THEORY, new=SCORE,
                                    reason="复核更正")
    results.change_decide(actor=second, change_id=change.pk, approve=True)

    client.force_login(app.candidate)
    pages = _candidate_pages(app)
    assert len(pages) >= 8
    for url in pages:
        body = client.get(url).content
        assert SCORE.encode() not in body and "认定成绩".encode() not in body, url
    staff = user_with_role(Role.PROCTOR, day.session.batch.announcement.body, username="curious_proctor")
    client.force_login(staff)
    assert client.get(reverse("console:results_page", args=[batch.pk])).status_code == 403
    with pytest.raises(Exception, match="机构管理员"):
        results.results_publish(actor=day.officer, batch_id=batch.pk)  # exam affairs may not publish

    admin = user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="body_admin2")
    assert results.results_publish(actor=admin, batch_id=batch.pk) == 4
    assert Result.objects.filter(batch=batch, status=ResultStatus.PUBLISHED).count() == 4
    assert Notification.objects.filter(user=app.candidate, subject__contains="认定成绩已发布").exists()
    client.force_login(app.candidate)
    page = client.get(reverse("portal:application_detail", args=[app.pk])).content.decode()
    assert SCORE in page and 'id="my-result"' in page


def test_the_results_page_compiles_confirms_and_publishes(client):
    day, *_rest = marked_sitting(("4", "4"))
    batch = day.session.batch
    url = reverse("console:results_page", args=[batch.pk])
    client.force_login(day.officer)
    assert client.post(url, {"action": "compile"}).status_code == 302
    for app_id in batch.results.values_list("application_id", flat=True):
        client.post(url, {"action": "decide", "application": app_id, "part": "practical", "kind": "void",
                          "reason": "无视停止口令继续操作"})
    client.post(url, {"action": "compile"})
    page = client.get(url).content.decode()
    assert "成绩作废" in page and "不合格" in page
    assert client.post(url, {"action": "confirm"}).status_code == 302  # refused: not the chief
    assert not batch.results.exclude(status=ResultStatus.DRAFT).exists()
    client.force_login(day.chief)
    assert "认定成绩" in client.get(reverse("console:results_list")).content.decode()
    client.post(url, {"action": "confirm"})
    assert not batch.results.filter(status=ResultStatus.DRAFT).exists()
    admin = user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="body_admin2")
    client.force_login(admin)
    client.post(url, {"action": "publish"})
    assert batch.results.filter(status=ResultStatus.PUBLISHED).count() == 4


def test_only_the_scoring_panel_and_the_office_see_practical_scores_before_publication(client):
    """§10.7: the witnesses of the code-map opening, the session's chief, inspector, quality supervisor and an
    examiner of another room open the panel page (the room record, the opening) and see neither a score nor whose
    piece it is; the panel's examiners and the office do. None of them but the office (and the batch's chief, who
    confirms, §6.5.2) opens the results page or the score summary."""
    from skillcert.grading import practical
    from skillcert.scheduling import staffing
    from skillcert.scheduling.enums import StaffRole

    from .conftest import make_practical_day

    officer, s, examiners, leader, apps, world = make_practical_day()
    panel = practical.panel_form(actor=officer, session_id=s.practical.pk, room_id=s.prac_room.pk,
                                 examiners=examiners, leader=leader)
    pieces = [practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=a) for a in apps]
    criteria = practical.sheet_criteria(officer, panel)
    given = [str(round(float(c["max"]) * 0.7325, 2)) for c in criteria]
    for p in pieces:
        for who in (*examiners, leader):
            practical.sheet_submit(actor=who, panel_id=panel.pk, code=p.code, given=given)
    final = str(type(pieces[0]).objects.get(pk=pieces[0].pk).final)
    venue = world.venue
    inspector = user_with_role(Role.INSPECTOR, venue, username="insp", full_name="巡考见证")
    chief = user_with_role(Role.CHIEF_EXAMINER, venue, username="prac_chief", full_name="实操主考")
    supervisor = user_with_role(Role.INTERNAL_SUPERVISOR, venue, username="qs_prac", full_name="督导")
    other = user_with_role(Role.EXAMINER, venue, username="ex_other", full_name="别组考评员")
    for user, role, room in ((inspector, StaffRole.INSPECTOR, None), (chief, StaffRole.CHIEF, None),
                             (supervisor, StaffRole.SUPERVISOR, None), (other, StaffRole.EXAMINER, s.prac_room)):
        staffing.staff_assign(actor=officer, session_id=s.practical.pk, user=user, role=role, venue=venue, room=room)
    witness2 = user_with_role(Role.EXAM_AFFAIRS, world.body, username="witness2", full_name="见证乙")
    practical.unseal_request(actor=officer, panel_id=panel.pk, witnesses=[inspector, witness2])
    url = reverse("console:panel_detail", args=[panel.pk])
    client.force_login(inspector)
    page = client.get(url).content.decode()
    assert 'id="do-confirm"' in page and final not in page and pieces[0].code not in page
    client.post(url, {"action": "confirm"})
    practical.unseal_confirm(actor=witness2, panel_id=panel.pk)
    names = list(Application.objects.filter(pk__in=apps).values_list("full_name", flat=True))
    for user in (inspector, chief, supervisor, other):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert 'id="room-record"' in page, user.username
        assert final not in page and pieces[0].code not in page, user.username
        assert not any(n in page for n in names), user.username
    for user in (*examiners, officer):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert final in page and any(n in page for n in names), user.username
    batch = s.batch
    for user in (inspector, supervisor, other, *examiners):
        client.force_login(user)
        assert client.get(reverse("console:results_page", args=[batch.pk])).status_code in (403, 404), user.username
        assert client.get(reverse("console:results_summary", args=[batch.pk, "pdf"])).status_code in (403, 404)



def test_the_published_result_says_a_part_awaited_from_another_batch_is_awaited(client):
    """§6.5.1: the batch held theory only; the candidate's published result reads 成绩待出 for the practical (as the
    console does), not 评分未完成 — nothing is being scored here."""
    day, *_rest = marked_sitting()
    batch = day.session.batch
    results.results_compile(actor=day.officer, batch_id=batch.pk)
    results.results_confirm(actor=day.chief, batch_id=batch.pk)
    admin = user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="publisher_awaited")
    results.results_publish(actor=admin, batch_id=batch.pk)
    app = day.attempts[0].application
    client.force_login(app.candidate)
    page = client.get(reverse("portal:application_detail", args=[app.pk])).content.decode()
    assert 'id="my-result"' in page and "成绩待出" in page and "评分未完成" not in page
