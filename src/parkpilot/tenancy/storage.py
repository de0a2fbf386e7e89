"""Where uploaded photos, documents and attachments of every app are kept."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class AttachmentStorage(FileSystemStorage):
    """Files live beside the data (PARKPILOT_DATA_DIR/media), never under a public URL: they
    are served only through views that check access. The location is read from the settings
    each time, so tests can point it elsewhere."""

    @property
    def base_location(self):
        return settings.DATA_DIR / "media"

    @property
    def location(self):
        return str(self.base_location.resolve())

    @property
    def base_url(self):
        return None


def attachments_storage() -> FileSystemStorage:
    return AttachmentStorage()
