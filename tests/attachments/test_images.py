"""Images (core/attachments/images.py, core/attachments/sniff.py): the app's own
pixel limit, told from the header; a damaged image refused; what is sent to a
model keeps transparency and loses the photo's metadata (where it was taken)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.attachments import AttachmentRefused, limits, read_attachment
from tests.attachments import files


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_more_pixels_than_the_app_allows_is_refused_before_decoding():
    # 49 M pixels: under Pillow's own bomb guard (89 M), over the app's 40 M.
    # Only the header is real, so a reader that decoded first would fail otherwise.
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("panorama.png", files.huge_png_header(7_000, 7_000))
    assert refused.value.reason == "image_too_large"
    assert refused.value.reason_params == {"limit": limits.MAX_IMAGE_PIXELS // 1_000_000}


def test_a_damaged_image_is_refused_as_unreadable():
    cut = files.png(100, 100)[:60]  # the header, then nothing
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("cut.png", cut)
    assert refused.value.reason == "unreadable"


def test_a_transparent_logo_stays_transparent():
    logo = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    logo.putpixel((20, 20), (255, 0, 0, 255))
    found = read_attachment("logo.png", encoded(logo, "PNG"))
    assert found.mime == "image/png"  # JPEG has no alpha: the background would turn black
    sent = Image.open(io.BytesIO(found.image))
    assert sent.mode == "RGBA" and sent.getpixel((0, 0))[3] == 0


def test_where_a_photo_was_taken_is_not_sent():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = exif.get_ifd(0x8825)
    gps[2] = (48.0, 51.0, 29.0)  # latitude
    gps[4] = (2.0, 17.0, 40.0)  # longitude
    photo = encoded(Image.new("RGB", (64, 48), (10, 120, 200)), "JPEG", exif=exif)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # it is there...
    found = read_attachment("holiday.jpg", photo)
    sent = Image.open(io.BytesIO(found.image)).getexif()
    assert not sent.get_ifd(0x8825) and 0x010F not in sent  # ...and gone from the copy sent
    assert found.original == photo  # the person's own file is kept as it was


@pytest.mark.parametrize(
    ("fmt", "mode", "sent_as"),
    [("GIF", "P", "image/png"), ("WEBP", "RGB", "image/jpeg"), ("JPEG", "RGB", "image/jpeg")],
)
def test_each_image_format_is_recognised_by_its_bytes(fmt, mode, sent_as):
    data = encoded(Image.new(mode, (30, 20)), fmt)
    found = read_attachment("no-extension", data)
    assert found.format == fmt.lower()
    assert found.mime == sent_as and found.params == {"width": 30, "height": 20}


def test_a_plain_zip_is_not_taken_for_an_office_file():
    archive = files.zip_of({"photos/cat.jpg": b"not really"})
    for name in ("photos.zip", "photos.docx"):
        with pytest.raises(AttachmentRefused) as refused:
            read_attachment(name, archive)
        assert refused.value.reason == "unsupported"
