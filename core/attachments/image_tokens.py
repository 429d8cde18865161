"""What an image costs in a vision model's context window: an estimate.

Providers count image tokens differently (OpenAI by 512-pixel tiles, Qwen-VL
by 28-pixel patches, Claude by area) and none says so before the request.
OpenAI's published formula for a "high detail" image is used for all: it
lands within a factor of about two of the others at the sizes sent here, and
it errs high for small images, so a window is not overfilled by surprise.

    fit within 2048 x 2048; then shrink so the shorter side is at most 768;
    tokens = 85 + 170 x (number of 512 x 512 tiles covering it)

A 1024 x 1024 image is 765 tokens; the largest image sent here (1568 px a
side, core/attachments/limits.py) at most 1,445 (1568 x 783).
"""

from __future__ import annotations

import math

from core.attachments import limits

BASE_TOKENS = 85
TILE_TOKENS = 170
TILE_SIDE = 512


def sent_size(width: int, height: int) -> tuple[int, int]:
    """The size an image is downscaled to before it is sent (`IMAGE_SIDE` a side)."""
    scale = min(1.0, limits.IMAGE_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def image_tokens(width: int, height: int) -> int:
    """Estimated prompt tokens of a `width` x `height` image part."""
    if width <= 0 or height <= 0:
        return BASE_TOKENS
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    tiles = math.ceil(width / TILE_SIDE) * math.ceil(height / TILE_SIDE)
    return BASE_TOKENS + TILE_TOKENS * tiles
