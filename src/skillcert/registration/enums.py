from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnouncementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("报名已截止")
    ARCHIVED = "archived", _("已归档")


ANNOUNCEMENT_TRANSITIONS = {
    AnnouncementStatus.DRAFT: {AnnouncementStatus.PUBLISHED},
    AnnouncementStatus.PUBLISHED: {AnnouncementStatus.CLOSED},
    AnnouncementStatus.CLOSED: {AnnouncementStatus.ARCHIVED},
    AnnouncementStatus.ARCHIVED: set(),
}


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交，待审核")
    RETURNED = "returned", _("退回修改")
    RESUBMITTED = "resubmitted", _("已重新提交，待审核")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("审核不通过")
    WITHDRAWN = "withdrawn", _("已撤回")


PENDING_REVIEW = (ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED)
# An application that still holds the candidate's place in the announcement.
LIVE_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED, ApplicationStatus.RESUBMITTED,
                 ApplicationStatus.APPROVED)

APPLICATION_TRANSITIONS = {
    ApplicationStatus.SUBMITTED: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED,
                                  ApplicationStatus.RETURNED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.RETURNED: {ApplicationStatus.RESUBMITTED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.RESUBMITTED: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED,
                                    ApplicationStatus.RETURNED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.APPROVED: set(),
    ApplicationStatus.REJECTED: set(),
    ApplicationStatus.WITHDRAWN: set(),
}


class ApplicationSource(models.TextChoices):
    PORTAL = "portal", _("考生网上报名")
    IMPORT = "import", _("单位批量报名")


class DocumentKind(models.TextChoices):
    """The materials of §6.1.3 a–c."""

    ID_CARD = "id_card", _("本人身份证件")
    DIPLOMA = "diploma", _("学历证书")
    WORK_PROOF = "work_proof", _("工作单位人事部门出具的从业资历证明")


class FeeStatus(models.TextChoices):
    DUE = "due", _("待缴费")
    PAID = "paid", _("已缴费")
    WAIVED = "waived", _("已减免")
    REFUNDED = "refunded", _("已退费")


FEE_TRANSITIONS = {  # applications.fee_record: paid or waived while due; a payment may be refunded
    FeeStatus.DUE: {FeeStatus.PAID, FeeStatus.WAIVED},
    FeeStatus.PAID: {FeeStatus.REFUNDED},
    FeeStatus.WAIVED: set(),
    FeeStatus.REFUNDED: set(),
}


class FeeEntryKind(models.TextChoices):
    PAID = "paid", _("缴费")
    WAIVED = "waived", _("减免")
    REFUNDED = "refunded", _("退费")


class Education(models.IntegerChoices):
    """Same scale as :class:`skillcert.registration.eligibility.Education`."""

    JUNIOR = 1, _("初中及以下")
    SENIOR = 2, _("高中、中专或技工学校")
    COLLEGE = 3, _("大专")
    BACHELOR = 4, _("本科")
    MASTER = 5, _("硕士研究生")
    DOCTOR = 6, _("博士研究生")


# The §4.1 basic requirements the candidate declares, signing with their name (§4.1, §6.8.2).
DECLARATIONS = {
    "conduct": _("本人有较高的思想政治觉悟，身体健康，爱岗敬业、遵章守纪、服从管理。"),
    "capacity": _("本人具有独立的民事行为能力，具备承担法律责任的能力。"),
    "no_penalty": _("本人近三年内未受过刑事处罚，无犯罪记录。"),
    "lawful": _("本人符合有关法律法规的规定，不存在法律法规禁止从业的情形。"),
    "truthful": _("本人所填信息和所交材料真实有效；如有虚假，愿承担取消认定资格等一切后果（§6.8.2）。"),
}
