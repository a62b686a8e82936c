"""The server of bench/certificates.py: skillcert's own settings, with the URLconf of ``_verify_urls`` — the
product's URLs (the verification API as deployed) plus one floor URL. Same settings, middleware, database and
gunicorn command for both:

    DJANGO_SETTINGS_MODULE=_verify_floor gunicorn --pythonpath src,bench skillcert.wsgi:application …
"""

from skillcert.settings import *  # noqa: F403 — the product's settings, unchanged but for the URLconf

ROOT_URLCONF = "_verify_urls"
