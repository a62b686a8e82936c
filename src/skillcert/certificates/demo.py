"""Demo certificates (``seed_demo --stage certified``): the graded demo batch published by the body admin (with
the re-check window), its passing results submitted and approved by the supervising authority, certificates
issued — one then reissued for a lost certificate, one revoked for cheating found afterwards."""

from __future__ import annotations

from django.db import transaction

from skillcert.accounts.models import User
from skillcert.grading import results

from . import services
from .models import CertificateIssue


@transaction.atomic
def seed_certified(batch) -> CertificateIssue:
    existing = CertificateIssue.objects.filter(batch=batch).first()
    if existing:
        return existing
    officer = User.objects.get(username="demo_exam_affairs")
    admin = User.objects.get(username="demo_body_admin")
    supervisor = User.objects.get(username="demo_quality_supervisor")
    results.results_publish(actor=admin, batch_id=batch.pk, recheck_days=15)
    issue = services.issue_submit(actor=officer, batch_id=batch.pk)
    services.issue_review(actor=supervisor, issue_id=issue.pk, approve=True, note="认定结果与考场记录一致，同意发证。")
    certs = services.issue_certificates(actor=admin, issue_id=issue.pk)
    lost = services.request_reissue(actor=officer, certificate_id=certs[0].pk, reason="loss", id_checked=True,
                                    detail="持证人本人持身份证原件申请，声明证书于搬家时遗失。")
    services.request_decide(actor=admin, request_id=lost.pk, approve=True)
    cheat = services.request_revoke(actor=officer, certificate_id=certs[-1].pk, reason="cheating",
                                    detail="复查考场监控录像，确认该考生理论考试时使用手机查询答案"
                                           "（复查报告 2026-031）。")
    services.request_decide(actor=admin, request_id=cheat.pk, approve=True)
    issue.refresh_from_db()
    return issue
