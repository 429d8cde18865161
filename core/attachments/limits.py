"""The bounds every attached file is read within.

`MAX_FILE_BYTES` stays below Streamlit's `server.maxUploadSize` (20 MB in
.streamlit/config.toml): a file over that setting is dropped by the browser
and the app never sees it, so the app's own, smaller limit is the one a
person meets, with a message, and it is shown beside the input.
"""

from __future__ import annotations

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10  # per message
# docx/xlsx/pptx are zip archives: what they inflate to is checked before reading.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 5_000
MAX_COMPRESSION_RATIO = 100  # a zip bomb inflates thousands of times
RATIO_CHECKED_FROM = 8 * 1024 * 1024  # uncompressed bytes
# Pillow's own guard is 89 M pixels (a warning) and twice that (an error).
MAX_IMAGE_PIXELS = 40_000_000
# The longest side sent to a vision model; larger images are downscaled
# (providers resize anything larger themselves, after billing the upload).
IMAGE_SIDE = 1568
# Extracted text kept per file: about 250k tokens, more than any context window.
MAX_TEXT_CHARS = 1_000_000
MAX_PDF_PAGES = 2_000
MAX_SLIDES = 2_000
# Rows read per sheet; the text says when a sheet was cut.
MAX_SHEET_ROWS = 5_000
EXTRACT_TIMEOUT_S = 20.0
