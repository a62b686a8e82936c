"""Candidate sign-up, login by ID number or phone, profile and photo checks (issue #3 "Candidates")."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.accounts.models import RoleAssignment
from skillcert.registration import candidates
from skillcert.registration.uploads import check_document
from tests.factories import PASSWORD, PDF_BYTES, png_bytes, resident_id, upload

pytestmark = pytest.mark.django_db


def signup(n=1, **over):
    args = dict(full_name="王小明", id_type="resident_id", id_number=resident_id(n), phone=f"1380000{n:04d}",
                password=PASSWORD, email="")
    return candidates.candidate_signup(**(args | over))


def test_sign_up_validates_the_resident_id_and_grants_the_candidate_role():
    user = signup(1, id_number=" " + resident_id(1).lower() + " ")
    assert user.id_number == resident_id(1)
    assert RoleAssignment.objects.filter(user=user, role=Role.CANDIDATE).exists()
    with pytest.raises(ValidationError) as exc:
        signup(2, id_number=resident_id(2)[:-1] + "5" if resident_id(2)[-1] != "5" else "6")
    assert "校验位" in exc.value.message_dict["id_number"][0]


def test_one_account_per_id_number_and_per_phone():
    signup(3)
    with pytest.raises(ValidationError) as taken_id:
        signup(3, phone="13800009999")
    with pytest.raises(ValidationError) as taken_phone:
        signup(4, phone="13800000003")
    # one neutral answer naming neither field (issue #20 item 6a)
    assert taken_id.value.messages == taken_phone.value.messages == [str(candidates.SIGNUP_REFUSED)]
    assert not hasattr(taken_id.value, "error_dict") and not hasattr(taken_phone.value, "error_dict")


def test_other_documents_and_hmt_residence_permits():
    passport = signup(5, id_type="passport", id_number="E12345678", phone="13800000005")
    assert passport.username == "passport.E12345678"
    with pytest.raises(ValidationError):
        signup(6, id_type="hmt_residence", id_number="810000199001011234", phone="13800000006")


def test_weak_passwords_are_refused_in_chinese():
    with pytest.raises(ValidationError) as exc:
        signup(7, password="12345678")
    assert any("至少" in m or "常见" in m for m in exc.value.message_dict["password"])


@pytest.mark.parametrize("login", ["id", "id_lower", "phone"])
def test_candidates_log_in_with_id_number_or_phone(client, login):
    user = signup(8)
    value = {"id": user.id_number, "id_lower": user.id_number.lower(), "phone": user.phone}[login]
    response = client.post(reverse("portal:login"), {"username": value, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/portal/"
    assert client.get(reverse("portal:profile")).status_code == 200


@pytest.mark.parametrize(("data", "message"), [
    (png_bytes(100, 140), "太小"),
    (png_bytes(1300, 1820), "太大"),
    (png_bytes(500, 500), "竖版一寸照"),
    (PDF_BYTES, "只能是 JPG 或 PNG"),
    (b"\x89PNG\r\n\x1a\n" + b"broken", "已损坏"),
])
def test_photo_checks_say_what_is_wrong(data, message):
    user = signup(9)
    with pytest.raises(ValidationError) as exc:
        candidates.photo_set(actor=user, upload=upload("p.png", data))
    assert message in exc.value.message_dict["photo"][0]
    assert not user.candidate_profile.photo


def test_a_good_photo_is_stored_outside_the_web_root_under_a_random_name(settings):
    user = signup(10)
    profile = candidates.photo_set(actor=user, upload=upload("../../etc/passwd.jpg", png_bytes(fmt="JPEG")))
    assert profile.photo.path.startswith(str(settings.MEDIA_ROOT))
    assert "passwd" not in profile.photo.name and profile.photo.name.endswith(".jpg")


def test_document_size_limit(settings):
    settings.SKILLCERT_DOCUMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        check_document(upload("big.pdf", PDF_BYTES + b"0" * 2000), field="doc_id_card", label="本人身份证件")
    assert "过大" in exc.value.message_dict["doc_id_card"][0]


def test_documents_are_served_only_to_the_owner_and_the_reviewers(client, world):
    from skillcert.registration.applications import application_submit
    from tests.factories import build_registration, make_candidate, submission, user_with_role

    reg = build_registration(world)
    owner = make_candidate(20)
    app = application_submit(actor=owner, announcement_id=reg.announcement.pk,
                             offer_id=reg.offers[("碳排放监测员", 4)].pk, submission=submission(owner))
    doc = app.documents.get(kind="id_card")
    client.force_login(owner)
    response = client.get(reverse("portal:document", args=[doc.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(make_candidate(21))
    assert client.get(reverse("portal:document", args=[doc.pk])).status_code == 404
    client.force_login(reg.officer)
    assert client.get(reverse("console:document", args=[doc.pk])).status_code == 200
    client.force_login(user_with_role(Role.EXAM_AFFAIRS, world.other_body))
    assert client.get(reverse("console:document", args=[doc.pk])).status_code == 404


@pytest.mark.parametrize("check", ["photo", "document"])
def test_a_hundred_megapixel_image_is_refused_from_its_header(check):
    """Issue #20 item 4: pixels counted from the header (core.limits) before anything decodes the image."""
    from tests.core.test_limits import png_header_only

    data = png_header_only(10000, 10000)
    with pytest.raises(ValidationError) as exc:
        if check == "photo":
            candidates.photo_set(actor=signup(11), upload=upload("p.png", data))
        else:
            check_document(upload("scan.png", data), field="doc_id_card", label="本人身份证件")
    field = "photo" if check == "photo" else "doc_id_card"
    assert "10000×10000" in exc.value.message_dict[field][0]
