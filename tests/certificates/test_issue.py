"""证书核发 (§6.6, §8.2): a batch's published passing results are submitted within a month of its end (§8.2.3.1),
reviewed by the supervising side (§6.6.1) and issued by the body with national numbers (§8.1.1) and the content
as printed (§8.2.2: "——" where the occupation has no trade)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from skillcert.catalog.selectors import trade_label
from skillcert.certificates import numbering, services
from skillcert.certificates.models import Certificate, IssueStatus
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry, Notification
from skillcert.grading.models import Result

pytestmark = pytest.mark.django_db


def test_the_deadline_is_a_month_after_the_batch_ends():
    from types import SimpleNamespace

    class Sessions:
        def __init__(self, end):
            self.end = end

        def aggregate(self, **_kw):
            return {"end": self.end}

    tz = timezone.get_current_timezone()
    batch = SimpleNamespace(sessions=Sessions(dt.datetime(2026, 1, 31, 17, 0, tzinfo=tz)))
    assert services.submit_deadline(batch) == dt.date(2026, 2, 28)
    batch.sessions.end = dt.datetime(2026, 12, 15, 17, 0, tzinfo=tz)
    assert services.submit_deadline(batch) == dt.date(2027, 1, 15)
    assert services.deadline_state(batch, today=dt.date(2027, 1, 10)) == "soon"
    assert services.deadline_state(batch, today=dt.date(2026, 12, 20)) == ""
    assert services.deadline_state(batch, today=dt.date(2027, 1, 16)) == "overdue"


def test_submit_review_and_issue_with_numbers_per_level(passed):
    day, batch, results, supervisor, admin = passed
    with pytest.raises(PermissionDenied):
        services.issue_submit(actor=supervisor, batch_id=batch.pk)
    issue = services.issue_submit(actor=day.officer, batch_id=batch.pk)
    with pytest.raises(ValidationError, match="已提交"):
        services.issue_submit(actor=day.officer, batch_id=batch.pk)
    with pytest.raises(PermissionDenied):  # the body does not review its own results
        services.issue_review(actor=admin, issue_id=issue.pk, approve=True)
    with pytest.raises(ValidationError) as exc:
        services.issue_review(actor=supervisor, issue_id=issue.pk, approve=False)
    assert "note" in exc.value.message_dict
    services.issue_review(actor=supervisor, issue_id=issue.pk, approve=False, note="缺少考场记录，请补充后重新提交")
    with pytest.raises(ValidationError, match="审核通过后"):
        services.issue_certificates(actor=admin, issue_id=issue.pk)
    services.issue_submit(actor=day.officer, batch_id=batch.pk)  # again after the return
    services.issue_review(actor=supervisor, issue_id=issue.pk, approve=True)
    with pytest.raises(PermissionDenied):
        services.issue_certificates(actor=day.officer, issue_id=issue.pk)
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.issue_certificates(actor=admin, issue_id=issue.pk, issue_date=today + dt.timedelta(days=1))
    made = services.issue_certificates(actor=admin, issue_id=issue.pk)
    assert len(made) == 3 and Certificate.objects.count() == 3
    parts = [numbering.parse(c.number) for c in made]
    assert [p.sequence for p in parts] == [1, 2, 3] and {p.level for p in parts} == {4}
    assert all(c.number.startswith(batch.announcement.body.certificate_prefix + f"{today.year % 100:02d}4")
               for c in made)
    first = Certificate.objects.get(application_id=results[0].application_id)
    assert first.trade == "碳排放核算员" and first.name == results[0].application.full_name
    assert trade_label(None) == "——"  # what an offer without a trade prints (§8.2.2.2)
    assert not Certificate.objects.filter(application_id=results[3].application_id).exists()  # failed
    assert Notification.objects.filter(subject="职业技能等级证书已核发").count() == 3
    issue.refresh_from_db()
    assert issue.status == IssueStatus.ISSUED and issue.issue_date == today
    with pytest.raises(ValidationError):
        services.issue_certificates(actor=admin, issue_id=issue.pk)
    actions = set(AuditEntry.objects.filter(action__startswith="certificates.").values_list("action", flat=True))
    assert actions - {"certificates.layout.saved"} == {"certificates.issue.submitted", "certificates.issue.reviewed",
                                                       "certificates.issued"}


def test_a_batch_without_published_passes_cannot_be_submitted():
    from tests.grading.conftest import published_batch

    day, batch = published_batch()  # theory marked, the practical scored zero by decision (表B.2): nobody passed
    assert not Result.objects.filter(batch=batch, passed=True).exists()
    with pytest.raises(ValidationError, match="没有已发布的合格成绩"):
        services.issue_submit(actor=day.officer, batch_id=batch.pk)


def test_the_console_pages_take_a_batch_from_submission_to_the_certificate_list(client, passed):
    from django.urls import reverse

    day, batch, _results, supervisor, admin = passed
    url = reverse("console:certificate_issues")
    client.force_login(day.officer)
    page = client.get(url).content.decode()
    assert batch.name in page and "提交审核" in page and "未提交" in page
    client.post(reverse("console:certificate_issue_action", args=[batch.pk, "submit"]))
    client.force_login(supervisor)
    assert "审核通过" in client.get(url).content.decode()
    client.post(reverse("console:certificate_issue_action", args=[batch.pk, "approve"]), {"note": ""})
    client.force_login(admin)
    response = client.post(reverse("console:certificate_issue_action", args=[batch.pk, "issue"]),
                           {"issue_date": timezone.localdate().isoformat()})
    issue = batch.certificate_issue
    assert response.status_code == 302 and response["Location"] == reverse("console:certificate_list",
                                                                            args=[issue.pk])
    listing = client.get(response["Location"]).content.decode()
    assert all(c.number in listing for c in Certificate.objects.all()) and "碳排放核算员" in listing


def test_the_certificate_prints_its_content_and_a_qr_that_verifies(client, issued):
    """§8.2.2: the content printed, a long name on two lines; the QR opens the check page with the
    signed payload."""
    from django.urls import reverse

    from skillcert.certificates import documents, signing
    from tests.factories import pdf_text

    certs, (day, batch, _results, _supervisor, _admin) = issued
    url = reverse("console:certificate_pdf", args=[batch.certificate_issue.pk, "electronic"])
    client.force_login(day.officer)
    response = client.get(url, {"certificate": certs[0].pk})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from pathlib import Path

    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"  # for a person to look at
    artifacts.mkdir(exist_ok=True)
    (artifacts / "certificate-electronic.pdf").write_bytes(response.content)
    text = pdf_text(response.content).replace("\n", "")
    assert certs[0].number in text and certs[0].trade in text and certs[0].name in text and "电子证书" in text
    assert AuditEntry.objects.filter(action="certificates.printed").count() == 1
    # The whole issue's electronic certificates in one signed file; paper goes through the ledger (test_ledger).
    every = client.get(reverse("console:certificate_pdf", args=[batch.certificate_issue.pk, "electronic"])).content
    assert all(c.number in pdf_text(every) for c in certs)
    from skillcert.core.pdf import cjk_font

    long = "碳排放管理员（温室气体排放核算、核查与碳资产管理综合应用方向）" * 2
    assert len(documents.lines(long, cjk_font(), 14, 300)) == 2
    token = signing.sign(certs[0])
    assert documents.verify_url(token).endswith("/verify/?t=" + token)



def test_the_holder_downloads_their_own_electronic_certificate_only(client, issued):
    from django.urls import reverse

    from tests.factories import pdf_text

    certs, (day, _batch, _results, _supervisor, admin) = issued
    mine, theirs = certs[0], certs[1]
    client.force_login(mine.holder)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'id="my-certificates"' in page and mine.number in page and theirs.number not in page
    response = client.get(reverse("portal:certificate_pdf", args=[mine.pk]))
    assert response.status_code == 200 and mine.number in pdf_text(response.content)
    assert client.get(reverse("portal:certificate_pdf", args=[theirs.pk])).status_code == 404
    req = services.request_revoke(actor=day.officer, certificate_id=mine.pk, reason="transfer", detail="出借他人")
    services.request_decide(actor=admin, request_id=req.pk, approve=True)
    assert client.get(reverse("portal:certificate_pdf", args=[mine.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="certificates.downloaded").count() == 1


def test_the_certificate_roster_as_excel_and_pdf(client, issued):
    """证书花名册 (§9.1 f): every certificate of the issue, reissues marked; downloads audited."""
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    from tests.factories import pdf_text

    certs, (day, batch, _results, _supervisor, _admin) = issued
    issue = batch.certificate_issue
    client.force_login(day.officer)
    data = client.get(reverse("console:certificate_roster", args=[issue.pk, "xlsx"])).content
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][1] == "证书编号" and {r[1] for r in rows[1:]} == {c.number for c in certs}
    assert {r[6] for r in rows[1:]} == {c.trade for c in certs}
    pdf = client.get(reverse("console:certificate_roster", args=[issue.pk, "pdf"])).content
    from pathlib import Path

    (Path(__file__).resolve().parents[2] / "test-artifacts" / "certificate-roster.pdf").write_bytes(pdf)
    text = pdf_text(pdf).replace("\n", "")
    assert all(c.number in text for c in certs) and "证书花名册" in text
    assert AuditEntry.objects.filter(action="certificates.roster.downloaded").count() == 2
