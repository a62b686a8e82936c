"""Bearer tokens for the supervising platform's API: issued once (shown to the operator), stored as a keyed hash.

Accounts owns them (issue #21 item 4: API tokens into accounts); the API face (skillcert.api.platform) only asks
``user_for_token``, and the ``api_token`` management command issues, lists and revokes them. Nothing here imports
a face."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from skillcert.accounts.models import ApiToken, User
from skillcert.core import audit


def _hash(key: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def token_issue(*, actor: User | None, user: User, name: str) -> str:
    key = "sk_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=_hash(key))
    audit.record(actor, "accounts.api_token.issued", target=token, actor_label=None if actor else "manage.py",
                 data={"user": user.username, "name": name})
    return key


def user_for_token(key: str) -> User | None:
    """The active user a token (the part after ``Bearer ``) acts as, or None for an unknown or revoked token or an
    inactive user; records when it was last used."""
    key = key.strip()
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


@transaction.atomic
def token_revoke(*, actor: User | None, token_id: int) -> bool:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor, "accounts.api_token.revoked", target=token, actor_label=None if actor else "manage.py",
                 data={"user": token.user.username, "name": token.name})
    return True
