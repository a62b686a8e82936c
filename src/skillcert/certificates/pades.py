"""The electronic certificate's PDF signature (PAdES B-B, with pyHanko): the whole file signed with the same Ed25519
key as the QR tokens, under a self-signed X.509 certificate built from that key (published at
``/.well-known/skillcert-certificate.pem``). The file also carries the QR tokens of its certificates in its
keywords, so a file alone can be checked: the signature must be intact, cover the entire file and come from our
key; then each token is verified and the certificates' current status looked up (``verification.lookup_file``).

Any edit — a changed name in the page, an appended page, a re-saved copy — breaks the signature, and a copy
printed to a new PDF has none; either way the file does not verify (the QR on a print still does).
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from . import signing

MAX_BYTES = 5 * 1024 * 1024


@lru_cache(maxsize=4)
def _certificate_for(raw_public: bytes) -> bytes:
    """DER of the self-signed certificate of the current key; deterministic (Ed25519 signatures are), so every
    process builds the same one."""
    key = signing.private_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skillcert certificate signing"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "skillcert")])
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(int.from_bytes(raw_public[:8], "big") or 1)
            .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(2099, 12, 31, tzinfo=dt.UTC))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True).sign(key, None))
    return cert.public_bytes(serialization.Encoding.DER)


def certificate_der() -> bytes:
    return _certificate_for(signing.public_key_bytes())


def certificate_pem() -> bytes:
    return x509.load_der_x509_certificate(certificate_der()).public_bytes(serialization.Encoding.PEM)


def _outside_loop(fn, *args):
    """pyHanko drives its async core with ``asyncio.run``, which a thread already running an event loop (an ASGI
    worker, a browser test) cannot do; such callers get the work done on a short-lived thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def sign(pdf: bytes) -> bytes:
    """``pdf`` with a PAdES signature over the entire file."""
    return _outside_loop(_sign, pdf)


def _sign(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    key = signing.private_key().private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
    signer = signers.SimpleSigner(signing_cert=asn1_x509.Certificate.load(certificate_der()),
                                  signing_key=asn1_keys.PrivateKeyInfo.load(key), cert_registry=None)
    meta = signers.PdfSignatureMetadata(field_name="skillcert", reason="职业技能等级电子证书", location="skillcert",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()


def tokens(pdf: bytes) -> list[str] | None:
    """The certificate tokens of a signed file, or None when the file is not an intact electronic certificate of
    ours (unreadable, unsigned, signed by another key, edited after signing, or signed over part of it only)."""
    return _outside_loop(_tokens, pdf)


def _tokens(pdf: bytes) -> list[str] | None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if not pdf or len(pdf) > MAX_BYTES or not pdf.startswith(b"%PDF"):
        return None
    ours = asn1_x509.Certificate.load(certificate_der())
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return None
        status = validate_pdf_signature(signatures[0], ValidationContext(trust_roots=[ours]))
        if not (status.intact and status.valid and status.trusted) or status.coverage.name != "ENTIRE_FILE":
            return None
        if status.signing_cert.public_key.dump() != ours.public_key.dump():
            return None
        keywords = str(reader.trailer["/Info"].get("/Keywords", ""))
    except Exception:
        return None
    return [t for t in keywords.split() if t.startswith(signing.VERSION + ".")] or None
