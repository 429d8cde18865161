"""Time and memory to read large attachments (docs/performance.md, section 7).

    python -m bench.attachment_extraction            # every case, each in its own process
    python -m bench.attachment_extraction pdf200     # one case

Cases: a 200-page PDF with a text layer; a 200-slide PowerPoint deck (title,
text box, table and notes on each slide); a spreadsheet just under the 10 MB
per-file limit; a 20 MB spreadsheet (over the limit: read straight through
the reader, to show what the limits protect against). Memory is the process's
peak resident size (ru_maxrss) after the case minus before it, so it includes
what lxml and pypdf allocate outside Python's heap.
"""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import time

from tests.attachments import files


def pdf_pages(pages: int) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for n in range(pages):  # distinct pages: a writer would share one repeated page
        page = PdfReader(io.BytesIO(files.pdf(f"Page {n}: lorem ipsum dolor sit amet {n * 7}")))
        writer.add_page(page.pages[0])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def spreadsheet(target_mb: float) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    rows = int(target_mb * 31_500)  # about 32 bytes a row, compressed
    for n in range(rows):
        sheet.append([n, f"customer-{n * 7919 % 100_003}", n * 1.5, f"note {n % 977} x{n}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def deck(slides: int) -> bytes:
    return files.pptx(
        [
            {
                "title": f"Slide {n}: quarterly review",
                "body": [f"Revenue in region {n % 17} rose {n % 9}%", "Costs were flat"],
                "table": [["Region", "Sales"], [f"R{n}", str(n * 13)]],
                "notes": f"Say that slide {n} matters.",
            }
            for n in range(slides)
        ]
    )


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(case: str) -> None:
    from core.attachments import AttachmentRefused, read_attachment
    from core.attachments.documents import xlsx_text

    makers = {
        "pdf200": lambda: pdf_pages(200),
        "pptx200": lambda: deck(200),
        "xlsx10": lambda: spreadsheet(9.5),
    }
    data = makers.get(case, lambda: spreadsheet(20))()
    before, started = peak_kb(), time.perf_counter()
    try:
        if case == "xlsx20":
            text = xlsx_text(data, "big.xlsx")  # past the size limit, to measure the reader
            result = f"{len(text):,} characters (reader only; the app refuses this file)"
        else:
            found = read_attachment(f"{case}.bin", data, timeout=600)
            result = f"{len(found.text):,} characters, {found.tokens:,} tokens"
    except AttachmentRefused as refused:
        result = f"refused: {refused.reason}"
    seconds = time.perf_counter() - started
    grown = (peak_kb() - before) / 1024
    print(f"{case}: {len(data) / 1e6:.1f} MB file, {seconds:.2f} s, +{grown:.0f} MB peak; {result}")


if __name__ == "__main__":
    cases = sys.argv[1:] or ["pdf200", "pptx200", "xlsx10", "xlsx20"]
    if len(cases) == 1:
        run(cases[0])
    else:
        for case in cases:
            subprocess.run([sys.executable, "-m", "bench.attachment_extraction", case], check=True)
