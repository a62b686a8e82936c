"""Private file storage: candidates' documents and photos live under ``MEDIA_ROOT`` (outside the
web root, never given a URL) and are served only by views that check who is asking (§6.7.1).
The storage itself is ``core.files.private_storage``; this name stays for the migrations."""

from skillcert.core.files import private_storage

__all__ = ["private_storage"]
