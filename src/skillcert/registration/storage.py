"""Private file storage: candidates' documents and photos live under ``MEDIA_ROOT`` (outside the
web root, never given a URL) and are served only by views that check who is asking (§6.7.1)."""

from django.core.files.storage import FileSystemStorage

# No location given: it follows settings.MEDIA_ROOT, also when a test overrides it.
_storage = FileSystemStorage()


def private_storage() -> FileSystemStorage:
    """Callable form, so migrations do not freeze a path."""
    return _storage
