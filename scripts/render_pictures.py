"""Render the README pictures from the demo book with LibreOffice headless.

    python scripts/render_pictures.py [--out docs/img]

Runs ``dunning demo`` in a temporary folder, converts the result to PDF with one
page per sheet (LibreOffice's ``SinglePageSheets``), turns the pages of the aging
sheet and of Expected Cash into PNG with pdftoppm, and crops them to the part a
reader needs. For the queue picture, a throw-away copy hides the team's detail
columns so the managed columns fit; the book the demo writes is not touched.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PDF_FILTER = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'


def _soffice_pdf(book: Path, outdir: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                PDF_FILTER,
                "--outdir",
                str(outdir),
                str(book),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return outdir / (book.stem + ".pdf")


def _page_png(pdf: Path, page: int, out: Path, crop: tuple[int, int] | None) -> None:
    """Render one PDF page (1-based) at 110 dpi, cropped to (width, height) px from top-left."""
    args = ["pdftoppm", "-png", "-r", "110", "-f", str(page), "-l", str(page), "-singlefile"]
    if crop:
        args += ["-x", "0", "-y", "0", "-W", str(crop[0]), "-H", str(crop[1])]
    subprocess.run([*args, str(pdf), str(out.with_suffix(""))], check=True, timeout=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    args = parser.parse_args(argv)

    import openpyxl

    from dunning_core.filemode import run_file
    from dunning_core.sample_book import AGING_SHEET, SAMPLE_AS_OF, write_sample_book

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        book = write_sample_book(work / "demo", fresh=True)
        run_file(book, SAMPLE_AS_OF)

        # Expected Cash: the book as written (chart included), one page per sheet.
        pdf = _soffice_pdf(book, work / "full")
        names = [
            ws.title
            for ws in openpyxl.load_workbook(book, read_only=True).worksheets
            if ws.sheet_state == "visible"
        ]
        _page_png(
            pdf, names.index("Expected Cash") + 1, args.out / "expected_cash.png", (1500, 1300)
        )

        # Queue: a copy with the team's detail columns hidden and rows sorted as written.
        copy = work / "queue.xlsx"
        shutil.copy(book, copy)
        wb = openpyxl.load_workbook(copy)
        for name in wb.sheetnames:
            if name != AGING_SHEET:
                wb[name].sheet_state = "hidden"
        ws = wb[AGING_SHEET]
        for letter in (
            "D",
            "F",
            "H",
            "J",
            "K",
            "L",
            "M",
            "N",
            "P",
            "Q",
            "R",
            "S",
            "T",
            "U",
            "V",
            "W",
            "X",
        ):
            ws.column_dimensions[letter].hidden = True
        wb.active = wb.sheetnames.index(AGING_SHEET)
        wb.save(copy)
        qpdf = _soffice_pdf(copy, work / "queue")
        _page_png(qpdf, 1, args.out / "queue.png", (3300, 800))
    print(f"wrote {args.out / 'queue.png'} and {args.out / 'expected_cash.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
