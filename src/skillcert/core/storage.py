"""Private storage: files kept outside the web root (``MEDIA_ROOT``, never given a URL) and served only by views
that check who is asking (§6.7.1). The lowest module of core's file handling — models use it for their file
fields, ``core.files`` serves what it holds — so that no core module imports back into the one below it
(issue #21 item 4: models → storage, files → audit → models, one way)."""

from django.core.files.storage import FileSystemStorage

# No location given: it follows settings.MEDIA_ROOT, also when a test overrides it.
_storage = FileSystemStorage()


def private_storage() -> FileSystemStorage:
    """Callable form, so migrations do not freeze a path."""
    return _storage
