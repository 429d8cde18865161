"""Images: decoded with a pixel limit, downscaled, re-encoded.

The pixel count is read from the header before any pixel is decoded, so a
decompression bomb (a 50 kB PNG of 100k x 100k pixels) is refused without
allocating its gigabytes. Re-encoding also drops metadata (EXIF location).
"""

from __future__ import annotations

import io
import warnings

from core.attachments import limits
from core.attachments.model import AttachmentRefused


def read_image(data: bytes, name: str) -> tuple[bytes, str, int, int]:
    """PNG or JPEG bytes no larger than `IMAGE_SIDE` a side, their MIME type,
    and the original width and height."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > limits.MAX_IMAGE_PIXELS:
                    raise AttachmentRefused(
                        "image_too_large", name, limit=limits.MAX_IMAGE_PIXELS // 1_000_000
                    )
                image.seek(0)  # the first frame of an animation
                image.load()
                return (*_encoded(image), width, height)
    except AttachmentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise AttachmentRefused(
            "image_too_large", name, limit=limits.MAX_IMAGE_PIXELS // 1_000_000
        ) from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise AttachmentRefused("unreadable", name) from error


def _encoded(image) -> tuple[bytes, str]:
    image.thumbnail((limits.IMAGE_SIDE, limits.IMAGE_SIDE))
    buffer = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image.convert("RGBA").save(buffer, format="PNG", optimize=True)
        return buffer.getvalue(), "image/png"
    image.convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue(), "image/jpeg"
