"""Issue #20 item 4: an upload past the largest allowed size is never received by a view (core/uploads.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skillcert.accounts.enums import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_an_oversized_upload_is_skipped_with_a_message_and_no_server_error(client, settings, world):
    settings.SKILLCERT_UPLOAD_MAX_BYTES = 64 * 1024
    client.force_login(user_with_role(Role.EXAM_AFFAIRS, world.body))
    big = SimpleUploadedFile("名单.xlsx", b"PK" + b"\0" * (200 * 1024))
    response = client.post(reverse("public:verify"), {"file": big}, follow=True)
    assert response.status_code < 500
    page = response.content.decode()
    assert "过大" in page and "名单.xlsx" in page


def test_a_file_within_the_limit_reaches_the_view(rf, settings):
    settings.SKILLCERT_UPLOAD_MAX_BYTES = 64 * 1024
    small = SimpleUploadedFile("a.txt", b"x" * 1000)
    big = SimpleUploadedFile("b.txt", b"y" * (100 * 1024))
    request = rf.post("/", {"small": small, "big": big, "note": "保留"})
    assert set(request.FILES) == {"small"} and request.POST["note"] == "保留"
    assert request.FILES["small"].read() == b"x" * 1000
