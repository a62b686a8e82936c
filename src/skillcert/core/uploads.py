"""No uploaded file is received past the largest size any upload may have (issue #20 item 4, §10.9).

Each service still checks its own limit (`core/limits.py`: a photo, a document, an import, a package), but a view
reads the upload before the service sees it. This handler runs first for every multipart request and skips any
file that grows past ``SKILLCERT_UPLOAD_MAX_BYTES`` while it is streamed in: the file never reaches the view, the
other fields of the form still do, and the person is told why — so an oversized upload costs neither memory nor
disk, and the form answers "please choose a file" beside the message instead of a server error.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = settings.SKILLCERT_UPLOAD_MAX_BYTES
        if self.received > limit:
            if self.request is not None and hasattr(self.request, "_messages"):
                messages.error(self.request, _("上传的文件“%(name)s”过大，不能超过 %(max).0f MB，未接收。") % {
                    "name": self.file_name, "max": limit / (1024 * 1024)})
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file
