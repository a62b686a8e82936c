"""Public verification (§8.3): by number + name, by ID number + name, by the signed QR; the ID number masked;
valid, revoked or replaced; a forged or edited QR does not verify; no enumeration; a limit per client; every
lookup logged."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse
from django.utils import timezone

from skillcert.certificates import signing
from skillcert.certificates.models import VerificationLog
from skillcert.core.signing import b64, unb64

pytestmark = pytest.mark.django_db


def _page(client, **q):
    return client.get(reverse("public:verify"), q)


def test_a_certificate_is_found_by_number_or_id_with_the_name_and_the_id_masked(client, issued):
    certs, _passed = issued
    cert = certs[0]
    body = _page(client, number=cert.number, name=cert.name).content.decode()
    assert cert.number in body and "有效" in body and cert.trade in body
    assert cert.id_number not in body and cert.id_number[-4:] in body  # masked
    body = _page(client, id_number=cert.id_number.lower(), name=cert.name).content.decode()
    assert cert.number in body
    assert VerificationLog.objects.count() == 2
    assert not VerificationLog.objects.filter(method="number", found=0).exists()


def test_a_miss_looks_the_same_whatever_was_wrong(client, issued):
    certs, _passed = issued
    cert, other = certs[0], certs[1]
    wrong_name = _page(client, number=cert.number, name="张三")
    wrong_number = _page(client, number=cert.number[:-6] + "000999", name=cert.name)  # well formed, unused
    someone_elses = _page(client, number=other.number, name=cert.name)
    result = [r.content.decode().split('id="verify-result"')[1].split("</section>")[0]
              for r in (wrong_name, wrong_number, someone_elses)]
    assert len(set(result)) == 1 and 'id="not-found"' in result[0]
    malformed = _page(client, number="S123", name=cert.name).content.decode()
    assert "22 位" in malformed  # a malformed number is named; it tells nothing about anyone
    api = [client.get("/api/verify/v1/certificates", {"number": n, "name": "张三"}).json()
           for n in (cert.number, other.number)]
    assert api[0] == api[1] == {"found": False, "certificates": [], "signature_ok": None, "signed": None,
                                "error": ""}


def test_revoked_and_replaced_certificates_say_so(client, issued):
    from skillcert.certificates import services

    certs, (day, _batch, _results, _supervisor, admin) = issued
    revoked, old, _third = certs
    req = services.request_revoke(actor=day.officer, certificate_id=revoked.pk, reason="cheating",
                                  detail="经视频复查认定考试作弊")
    services.request_decide(actor=admin, request_id=req.pk, approve=True)
    req = services.request_reissue(actor=day.officer, certificate_id=old.pk, reason="loss", detail="遗失",
                                   id_checked=True)
    new = services.request_decide(actor=admin, request_id=req.pk, approve=True).new_certificate
    body = _page(client, number=revoked.number, name=revoked.name).content.decode()
    today = timezone.localdate().isoformat()
    assert "已撤销" in body and today in body and "事后查实考试作弊" in body
    data = client.get("/api/verify/v1/certificates", {"number": old.number, "name": old.name}).json()
    assert data["certificates"][0]["status"] == "replaced" and data["certificates"][0]["replaced_by"] == new.number


def test_the_signed_qr_verifies_offline_and_online_and_an_edit_breaks_it(client, issued):
    certs, _passed = issued
    cert = certs[0]
    token = signing.sign(cert)
    key = client.get("/.well-known/skillcert-certificate-key").json()
    assert key["alg"] == "Ed25519" and unb64(key["key"]) == signing.public_key_bytes()
    claim = signing.verify(token, public_key=unb64(key["key"]))  # offline, with the published key only
    assert claim["no"] == cert.number and claim["trade"] == cert.trade and claim["id"].endswith(cert.id_number[-4:])
    body = _page(client, t=token).content.decode()
    assert "电子签名有效" in body and cert.number in body and "有效" in body
    version, payload, sig = token.split(".")
    edited = json.loads(unb64(payload))
    edited["level"] = "高级技师"
    forged = f"{version}.{b64(signing.canonical(edited))}.{sig}"
    assert signing.verify(forged) is None
    assert "电子签名无效" in _page(client, t=forged).content.decode()
    other_key = Ed25519PrivateKey.generate()
    assert signing.verify(signing.sign(cert, key=other_key)) is None  # signed by someone else
    api = client.get("/api/verify/v1/certificates", {"token": forged}).json()
    assert api["signature_ok"] is False and api["found"] is False


def test_lookups_are_limited_per_client_and_logged(client, issued, settings):
    certs, _passed = issued
    settings.SKILLCERT_VERIFY_PER_MINUTE = 3
    for _ in range(3):
        assert _page(client, number=certs[0].number, name="张三").status_code == 200
    assert _page(client, number=certs[0].number, name=certs[0].name).status_code == 429
    assert client.get("/api/verify/v1/certificates", {"number": certs[0].number, "name": "x"}).status_code == 429
    # Refused lookups are not answered, but logged like any (so a client that keeps asking stays refused).
    assert list(VerificationLog.objects.order_by("pk").values_list("found", flat=True)) == [0, 0, 0, 0, 0]
    assert "openapi" in client.get("/api/verify/v1/openapi.json").json()
