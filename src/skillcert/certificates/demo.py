"""Demo certificates (``seed_demo --stage certified``): the graded demo batch published by the body admin (with
the re-check window), its passing results submitted and approved by the supervising authority, certificates
issued — one then reissued for a lost certificate, one revoked for cheating found afterwards.

The ledger shows the whole paper trail: the body's seal uploaded, 500 blank sheets received, every certificate
printed on a registered sheet (one misprint destroyed before two witnesses and printed again), handed over
against signature or mailed — two still waiting to be collected — and the data reported to the national platform
once, so the reissue and the revocation wait for the next report."""

from __future__ import annotations

from django.db import transaction

from skillcert.accounts.models import User
from skillcert.grading import results

from . import ledger, platform, services
from .models import CertificateIssue

STOCK_PREFIX = "SD"


def seal_png(name: str) -> bytes:
    """A round red seal: ring, star and the body's name — what a body scans from its own stamp."""
    import io
    import math

    from PIL import Image, ImageDraw, ImageFont

    from skillcert.core.pdf import font_path

    size, red = 600, (200, 16, 30)
    image = Image.new("RGB", (size, size), "white")
    pen = ImageDraw.Draw(image)
    pen.ellipse((12, 12, size - 12, size - 12), outline=red, width=18)
    points = [(size / 2 + r * math.sin(i * math.pi / 5), size / 2 - r * math.cos(i * math.pi / 5))
              for i, r in zip(range(10), [90, 36] * 5, strict=True)]
    pen.polygon(points, fill=red)
    path = font_path()
    font = ImageFont.truetype(str(path), 44) if path else ImageFont.load_default()
    text = name[:14]
    for i, ch in enumerate(text):  # along the upper arc
        angle = math.pi * (-0.8 + 1.6 * i / max(len(text) - 1, 1))
        x, y = size / 2 + 215 * math.sin(angle), size / 2 - 215 * math.cos(angle)
        glyph = Image.new("RGBA", (60, 60), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((30, 30), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.BICUBIC)
        image.paste(glyph, (int(x - 30), int(y - 30)), glyph)
    small = ImageFont.truetype(str(path), 40) if path else font
    pen.text((size / 2, size / 2 + 150), "认定专用章", font=small, fill=red, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


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
    body = batch.announcement.body
    services.layout_save(actor=admin, body_id=body.pk, seal=seal_png(body.name))
    first = ledger.stock_receive(actor=officer, body_id=body.pk, prefix=STOCK_PREFIX, first=1, last=500,
                                 received_on=certs[0].issue_date, source="省职业技能鉴定指导中心统一印制")
    printed = ledger.print_paper(actor=officer, issue_id=issue.pk, first_serial=first.serial(1))
    misprint = printed[1][1]
    ledger.spoil(actor=officer, body_id=body.pk, serial=misprint.serial, reason="打印错位，照片压住边框",
                 witnesses=["内部质量督导 孙立", "档案管理员 周敏"])
    ledger.print_paper(actor=officer, issue_id=issue.pk, first_serial=first.serial(len(printed) + 1))
    for i, cert in enumerate(certs[:-2]):
        if i == 3:
            ledger.deliver(actor=officer, certificate_id=cert.pk, how="mailed", recipient=cert.name,
                           tracking="SF1403 2026 8812".replace(" ", ""), note="本人申请邮寄")
        else:
            ledger.deliver(actor=officer, certificate_id=cert.pk, how="handed", recipient=cert.name, signed=True)
    platform.report_build(actor=admin, body_id=body.pk)
    lost = services.request_reissue(actor=officer, certificate_id=certs[0].pk, reason="loss", id_checked=True,
                                    detail="持证人本人持身份证原件申请，声明证书于搬家时遗失。")
    new = services.request_decide(actor=admin, request_id=lost.pk, approve=True).new_certificate
    ledger.print_paper(actor=officer, issue_id=issue.pk, first_serial=first.serial(len(printed) + 2),
                       certificate_ids=[new.pk])
    ledger.deliver(actor=officer, certificate_id=new.pk, how="mailed", recipient=new.name, tracking="EMS1187720436")
    cheat = services.request_revoke(actor=officer, certificate_id=certs[-3].pk, reason="cheating",
                                    detail="复查考场监控录像，确认该考生理论考试时使用手机查询答案"
                                           "（复查报告 2026-031）。")
    services.request_decide(actor=admin, request_id=cheat.pk, approve=True)
    issue.refresh_from_db()
    return issue
