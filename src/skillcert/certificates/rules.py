"""Who may do what with certificates (§8.2.4.2 谁评价、谁发证、谁负责; §6.6.1; §10.9 按照权限控制). Default deny.

- The body's office (accounts.rules.is_office: admins and exam affairs) submits a batch, keeps the ledger and
  handles 补发/撤销 requests; only its admins issue, decide requests, keep the layout and report to the platform.
- The quality supervisors of the supervising authority review a batch's results (§6.6.1) — never anyone of the
  body's own office.

The separation-of-duties steps of certificates are declared here too (DIFFERENT_PERSON; accounts.duties collects
them for the 职责分离 page and enforces them with ``require_different``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skillcert.accounts import rules
from skillcert.accounts.duties import Duty
from skillcert.accounts.enums import Role

OFFICE = rules.OFFICE_ROLES


def uses_certificates(user) -> bool:
    """The 证书核发 pages at all: the office, the quality supervisors, the platform admin."""
    return rules.has_role(user, *OFFICE, Role.QUALITY_SUPERVISOR) or rules.is_platform_admin(user)


def uses_ledger(user) -> bool:
    """The 证书台账 pages: the office of some body."""
    return rules.is_office(user)


def handles_issue(user, issue) -> bool:
    """Works in the office of the body whose batch ``issue`` certifies (evidence, PDFs, exports, requests)."""
    return rules.is_office(user, issue.batch.announcement.body_id)


def reviews_issue(user, batch) -> bool:
    """§6.6.1 审核 on the supervising side: the quality supervisors of the body's supervising authority (the role
    is held at an authority only; a body's internal supervisors do not review) or the platform admin — never
    anyone of the body's own office (accounts.duties.INCOMPATIBLE_ROLES)."""
    body_id = batch.announcement.body_id
    if rules.is_office(user, body_id):
        return False
    return rules.has_role(user, Role.QUALITY_SUPERVISOR, org=body_id) or rules.is_platform_admin(user)


def sees_issue(user, issue) -> bool:
    return handles_issue(user, issue) or reviews_issue(user, issue.batch)


def issues(user, body_id: int) -> bool:
    """核发, 补发/撤销 decisions, the layout and seal, the report to the platform: the body's admins (§8.2.4.2)."""
    return rules.is_body_admin(user, body_id)


# --- Separation of duties (职责分离) -----------------------------------------------------------------------------

CERTIFICATE_REVIEW = "certificate_review"
CERTIFICATE_REQUEST = "certificate_request"
DESTRUCTION_WITNESS = "destruction_witness"

DIFFERENT_PERSON: tuple[Duty, ...] = (
    Duty(CERTIFICATE_REVIEW, "§6.6.1", _("提交认定结果的人"), _("审核该批次的认定结果"),
         ("certificates.services.issue_review",),
         _("认定结果须由提交人以外的主管部门质量督导员审核。")),
    Duty(CERTIFICATE_REQUEST, "§8.2.4.1、§6.8.2", _("申请补发或撤销证书的人"), _("审批该申请"),
         ("certificates.services.request_decide",),
         _("须由申请人以外的另一人审批。")),
    Duty(DESTRUCTION_WITNESS, "§10.10", _("销毁证书的经办人"), _("担任监销人"),
         ("certificates.ledger.spoil",),
         _("销毁须有两名监销人（不含经办人本人），请填写两人姓名。")),
)
