"""Photos of a case: checked by content (parkpilot.uploads: type sniffed, size capped), kept as
received (with its EXIF location, read into the case's photo row for staff), and published as a
re-encoded copy with no EXIF at all (no place, no phone model, no time), which is the only one a
reporter or the public ever gets. The request stores the original; the published copy is made by
a background task once the report is committed (until then the page says "处理中")."""

import io
import secrets

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from parkpilot import events, uploads
from parkpilot.grid.errors import ErrorCode
from parkpilot.grid.models import Photo
from parkpilot.tenancy.errors import FieldError

ALLOWED = frozenset({"jpg", "jpeg", "png", "webp"})
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
PUBLISHED_EDGE = 1600  # the published copy's longest side, in pixels


def check(upload, *, field: str) -> list[FieldError]:
    errors = uploads.check_file(upload, field=field, allowed=ALLOWED, max_bytes=MAX_BYTES)
    if errors:
        return errors
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                return [
                    FieldError(field, _("the photo has too many pixels"), ErrorCode.NOT_A_PHOTO)
                ]
            image.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        return [FieldError(field, _("not a readable photo"), ErrorCode.NOT_A_PHOTO)]
    finally:
        upload.seek(0)
    return []


def _rational(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def exif_location(image: Image.Image) -> tuple[float, float] | None:
    """(lon, lat) from the photo's EXIF GPS block, or None."""
    gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat_dms, lon_dms = gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLongitude]
    except KeyError:
        return None
    lat = sum(_rational(v) / 60**i for i, v in enumerate(lat_dms))
    lon = sum(_rational(v) / 60**i for i, v in enumerate(lon_dms))
    if gps.get(ExifTags.GPS.GPSLatitudeRef, "N") == "S":
        lat = -lat
    if gps.get(ExifTags.GPS.GPSLongitudeRef, "E") == "W":
        lon = -lon
    return lon, lat


def published_copy(upload) -> tuple[bytes, str]:
    """The photo re-encoded without metadata (turned upright first, as EXIF said), as JPEG, or
    PNG for a PNG (transparency)."""
    upload.seek(0)
    with Image.open(upload) as opened:
        was_png = opened.format == "PNG"
        image = ImageOps.exif_transpose(opened)
        image.thumbnail((PUBLISHED_EDGE, PUBLISHED_EDGE))
        out = io.BytesIO()
        if was_png or image.mode in ("RGBA", "LA", "P"):
            image.save(out, format="PNG")  # no pnginfo: no text chunks
            return out.getvalue(), "image/png"
        image.convert("RGB").save(out, format="JPEG", quality=85)  # no exif= : none written
        return out.getvalue(), "image/jpeg"


class Received:
    """A photo as received: its EXIF location read (the header only, nothing decoded) and the
    original stored under a name of its own, before any write lock is taken. The published copy
    comes later, from a background task (`publish`): decoding and re-encoding is the slow part
    of a photo, and a report must not wait for it."""

    def __init__(self, upload):
        upload.seek(0)
        with Image.open(upload) as image:
            self.where = exif_location(image)
        upload.seek(0)
        ext = uploads.extension(getattr(upload, "name", "") or "") or "jpg"
        field = Photo._meta.get_field("original")
        self.name = field.storage.save(
            field.generate_filename(None, f"{secrets.token_hex(8)}.{ext}"), upload
        )


def receive(upload) -> Received:
    return Received(upload)


def discard(received: list[Received]) -> None:
    """The stored originals of a report that was not saved (its transaction failed)."""
    storage = Photo._meta.get_field("original").storage
    for photo in received:
        storage.delete(photo.name)


def add(*, case, kind: str, received: list[Received]) -> list:
    """The case's photo rows for originals already stored, their published copies to be made
    once the rows are committed (the event `grid.photos_received`, whose handler enqueues
    `tasks.photos_publish`; `publish_pending` sweeps up any whose task was lost)."""
    rows = Photo.objects.bulk_create(
        Photo(
            case=case,
            kind=kind,
            original=photo.name,
            exif_lon=photo.where[0] if photo.where else None,
            exif_lat=photo.where[1] if photo.where else None,
        )
        for photo in received
    )
    if rows:
        events.emit("grid.photos_received", photo_ids=[row.pk for row in rows])
    return rows


def publish(photo) -> None:
    """Make the photo's published copy (no EXIF, at most PUBLISHED_EDGE pixels), once."""
    if photo.published:
        return
    with photo.original.open("rb") as original:
        data, content_type = published_copy(original)
    ext = "png" if content_type == "image/png" else "jpg"
    photo.published.save(f"case{photo.case_id}.{ext}", ContentFile(data), save=False)
    photo.content_type = content_type
    photo.save(update_fields=["published", "content_type"])


def publish_pending(ids=None) -> int:
    """Publish the photos not yet published (those of `ids`, or all); returns how many."""
    pending = Photo.objects.filter(published="")
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    count = 0
    for photo in pending.order_by("pk"):
        publish(photo)
        count += 1
    return count
