"""Photos of a case: checked by content (parkpilot.uploads: type sniffed, size capped), kept as
received (with its EXIF location, read into the case's photo row for staff), and published as a
re-encoded copy with no EXIF at all (no place, no phone model, no time), which is the only one a
reporter or the public ever gets."""

import io

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from parkpilot import uploads
from parkpilot.grid.errors import ErrorCode
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


class Prepared:
    """A photo's slow part done before any write lock is taken: its EXIF location read and its
    published copy encoded (Pillow's decode and encode are most of a report's time; inside the
    transaction they held SQLite's one write lock, and 50 reporters at once waited past its
    busy timeout)."""

    def __init__(self, upload):
        upload.seek(0)
        with Image.open(upload) as image:
            self.where = exif_location(image)
        self.data, self.content_type = published_copy(upload)
        upload.seek(0)
        self.upload = upload


def prepare(upload) -> Prepared:
    return Prepared(upload)


def store(*, case, kind: str, upload):
    """Store a photo of the case: `upload` is an uploaded file or a `Prepared` one."""
    from parkpilot.grid.models import Photo

    ready = upload if isinstance(upload, Prepared) else Prepared(upload)
    where, content_type = ready.where, ready.content_type
    name = uploads.extension(getattr(ready.upload, "name", "") or "photo.jpg")
    ext = "png" if content_type == "image/png" else "jpg"
    photo = Photo(
        case=case,
        kind=kind,
        content_type=content_type,
        exif_lon=where[0] if where else None,
        exif_lat=where[1] if where else None,
    )
    photo.original.save(f"case{case.pk}.{name or 'jpg'}", ready.upload, save=False)
    photo.published.save(f"case{case.pk}.{ext}", ContentFile(ready.data), save=False)
    photo.save()
    return photo
