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
