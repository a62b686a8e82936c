"""Background work of the accounts app. With no broker, tasks run inline right after the commit."""

from celery import shared_task


@shared_task(name="accounts.password_reset_mail")
def password_reset_mail(user_id: int, kind: str) -> bool:
    """Mail a password reset link (issue #20 item 6b). Only the user id travels through the queue: the token
    is made here, from the account as it is when the mail goes out."""
    from .authentication import password_reset_send

    return password_reset_send(user_id=user_id, kind=kind)
