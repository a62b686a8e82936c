from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from skillcert.accounts.selectors import site_body
from skillcert.catalog.selectors import occupation_list
from skillcert.registration import selectors as registration_selectors
from skillcert.registration.pdf import announcement_pdf

from .forms import PageForm, VerifyFileForm, VerifyForm


def home(request: HttpRequest) -> HttpResponse:
    """Public home: the certification body and what it certifies (its filed scope, §6.8.1 b)."""
    body = site_body()
    scope = body.filed_scope.select_related("occupation", "trade", "level") if body else []
    return render(request, "public/home.html", {
        "body": body, "occupations": occupation_list(active_only=True), "scope": scope,
        "announcements": registration_selectors.public_announcements()[:5],
    })


def announcement_list(request: HttpRequest) -> HttpResponse:
    """Published announcements (§6.1.2), newest first."""
    page = Paginator(registration_selectors.public_announcements(), 20).get_page(PageForm(request.GET).number())
    return render(request, "public/announcement_list.html", {"page": page, "now": timezone.now()})


def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ann = registration_selectors.public_announcement_get(pk)
    now = timezone.now()
    return render(request, "public/announcement_detail.html", {
        "ann": ann, "offers": ann.offers.select_related("occupation", "trade", "level"),
        "is_open": ann.status == "published" and ann.registration_opens <= now < ann.registration_closes,
    })


def announcement_print(request: HttpRequest, pk: int) -> HttpResponse:
    ann = registration_selectors.public_announcement_get(pk)
    response = HttpResponse(announcement_pdf(ann), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="announcement-{ann.pk}.pdf"'
    return response


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer: answers 200 only when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """证书查询 (§8.3): by number + name, by ID number + name, or by the certificate's QR (``?t=``)."""
    from skillcert.certificates import verification
    from skillcert.core.context import client_ip_from_request

    q = VerifyForm(request.GET).values()
    files = VerifyFileForm(request.POST, request.FILES) if request.method == "POST" else None
    upload = files.cleaned_data["file"] if files is not None and files.is_valid() else None
    asked = upload is not None or any(q[k] for k in ("number", "id_number", "t"))
    answer, status = None, 200
    if asked:
        ip = client_ip_from_request(request)
        try:
            if upload is not None:
                data = upload.read(verification.FILE_MAX_BYTES + 1)
                answer = verification.lookup_file(ip=ip, data=data)
            else:
                answer = verification.lookup(ip=ip, number=q["number"], name=q["name"], id_number=q["id_number"],
                                             token=q["t"])
        except verification.TooMany as exc:
            answer, status = verification.Answer(error=str(exc)), 429
    return render(request, "public/verify.html", {
        "answer": answer, "asked": asked, "q": q, "via": "file" if upload is not None else "token",
        "mode": "id" if q["id_number"] else "number"}, status=status)


def certificate_key(request: HttpRequest) -> JsonResponse:
    """The public half of the certificate signing key (Ed25519), for checking certificates offline."""
    from skillcert.certificates import signing
    from skillcert.core.signing import b64

    response = JsonResponse({"alg": "Ed25519", "format": "skillcert.certificate/c1", "key": b64(
        signing.public_key_bytes()), "payload": list(signing.FIELDS)})
    response["Cache-Control"] = "public, max-age=3600"
    return response


def certificate_pem(request: HttpRequest) -> HttpResponse:
    """The X.509 certificate (self-signed, the same Ed25519 key) that signs electronic certificate files."""
    from skillcert.certificates import pades

    response = HttpResponse(pades.certificate_pem(), content_type="application/x-pem-file")
    response["Cache-Control"] = "public, max-age=3600"
    return response
