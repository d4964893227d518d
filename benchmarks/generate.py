"""Synthetic aging books at Excel scale (10k, 100k and a full 1,048,576-row sheet).

Writing a million rows through openpyxl takes minutes and gigabytes, which would make
the benchmark's own set-up the slowest thing measured. So the sheet XML is written
here directly, streamed in chunks into a minimal but complete xlsx package, with a
shared string table as Excel itself writes it (so the reader under test sees what it
sees in a team's real book: ``t="s"`` cells, date serials with a date style, amounts
with a number format). Books are deterministic for a given size and cached in
``benchmarks/out/`` (gitignored).

The layout: two title rows, the header in row 3, then one open item per row in 12
columns (customer number with leading zeros, name, invoice number, invoice and due
dates, currency among USD/EUR/GBP, original and open amount, collector, e-mail,
dispute flag, promise date), with blanks where real books have them.

Usage::

    python -m benchmarks.generate --sizes 10k,100k,1m [--force]
"""

from __future__ import annotations

import argparse
import os
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

import numpy as np

OUT: Final = Path(__file__).resolve().parent / "out"
AS_OF: Final = date(2026, 11, 23)
SHEET: Final = "AR Aging"
SHEET_PART: Final = "xl/worksheets/sheet1.xml"
TITLE_ROWS: Final = 2
HEADER_ROW: Final = TITLE_ROWS + 1
EXCEL_MAX_ROWS: Final = 1_048_576
#: Named sizes: "1m" fills the sheet exactly (2 title rows + header + data = 1,048,576).
SIZES: Final = {"10k": 10_000, "100k": 100_000, "1m": EXCEL_MAX_ROWS - HEADER_ROW}
HEADERS: Final = (
    "Customer No",
    "Customer Name",
    "Invoice #",
    "Invoice Date",
    "Due Date",
    "Currency",
    "Original Amount",
    "Open Balance",
    "Collector",
    "Email",
    "Dispute",
    "Promise Date",
)
_COLS: Final = "ABCDEFGHIJKL"
_DATE, _MONEY, _BOLD = 1, 2, 3  # cellXfs indices in the styles part below
_CHUNK: Final = 50_000
_EXCEL_EPOCH: Final = date(1899, 12, 30)
_FIRST = ("Acme", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris",
          "Juniper", "Kestrel", "Lumen", "Meridian", "Nordic", "Orchid", "Pioneer")  # fmt: skip
_SECOND = ("Industries", "Logistics", "Foods", "Systems", "Retail", "Health", "Energy", "Labs",
           "Works", "Marine", "Media", "Textiles", "Tools")  # fmt: skip
_SUFFIX = ("Inc.", "GmbH", "SARL", "Ltd", "& Co.", "LLC", "BV")
_COLLECTORS = ("Ana Ruiz", "Ben Okafor", "Chloé Martin", "Dev Patel", "Eva Novak", "Femi Ade")


def parse_size(text: str) -> int:
    """A row count from a size name or a plain number.

    >>> parse_size("100k"), parse_size("1m"), parse_size("250")
    (100000, 1048573, 250)
    """
    key = text.strip().lower()
    if key in SIZES:
        return SIZES[key]
    return int(key.replace("_", "").replace(",", ""))


def book_path(rows: int, out_dir: Path = OUT) -> Path:
    """Where the cached book of ``rows`` data rows lives."""
    return out_dir / f"aging_{rows}.xlsx"


def ensure_book(rows: int, out_dir: Path = OUT, force: bool = False) -> Path:
    """The cached book of ``rows`` data rows, generated first when missing."""
    path = book_path(rows, out_dir)
    if force or not path.exists():
        generate(path, rows)
    return path


class _Strings:
    """The shared string table, built in first-use order as Excel does."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.refs = 0

    def add(self, text: str) -> int:
        self.refs += 1
        return self.index.setdefault(text, len(self.index))

    def many(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.index.setdefault(t, len(self.index)) for t in texts], np.int64)


def _data(rows: int, seed: int) -> dict[str, np.ndarray]:
    """Column arrays of the synthetic open items, sorted by customer then invoice date."""
    rng = np.random.default_rng(seed)
    n_cust = max(5, rows // 40)
    weights = 1.0 / (np.arange(n_cust) + 10.0)  # a few large accounts, a long tail
    cust = np.sort(rng.choice(n_cust, size=rows, p=weights / weights.sum()))
    as_of = (AS_OF - _EXCEL_EPOCH).days
    age = rng.gamma(2.0, 35.0, size=rows).astype(np.int64).clip(0, 720)
    inv_date = as_of - age
    terms = np.array([14, 30, 30, 45, 60])[rng.integers(0, 5, n_cust)][cust]
    due = (inv_date + terms).astype(np.float64)
    due[rng.random(rows) < 0.001] = np.nan  # a blank due date now and then
    original = np.round(rng.lognormal(7.0, 1.2, rows) * 100).astype(np.int64) + 100
    credit = rng.random(rows) < 0.02
    original[credit] = -original[credit] // 5
    partial = (rng.random(rows) < 0.2) & ~credit
    open_ = original.copy()
    open_[partial] = np.maximum(1, (original[partial] * rng.uniform(0.1, 0.9, partial.sum())))
    promise = np.where(rng.random(rows) < 0.01, as_of + rng.integers(-20, 30, rows), np.nan)
    order = np.lexsort((inv_date, cust))
    return {
        "cust": cust[order],
        "inv_date": inv_date[order],
        "due": due[order],
        "original": original[order],
        "open": open_[order],
        "disputed": (rng.random(rows) < 0.01)[order],
        "promise": promise[order],
        "n_cust": np.array([n_cust]),
        "cust_currency": rng.choice(3, size=n_cust, p=[0.6, 0.3, 0.1]),
        "cust_email_blank": rng.random(n_cust) < 0.04,
    }


def _money(cents: np.ndarray) -> list[str]:
    return [repr(v) for v in (cents / 100).round(2).tolist()]


def _rows(rows: int, sst: _Strings, seed: int) -> Iterator[str]:
    """The sheet's <row> elements, in chunks of XML text."""
    d = _data(rows, seed)
    n_cust = int(d["n_cust"][0])
    ids = sst.many([f"{(k * 37) % 999_983 + 17:07d}" for k in range(n_cust)])
    names = sst.many(
        [
            f"{_FIRST[k % 16]} {_SECOND[(k // 16) % 13]} {_SUFFIX[k % 7]}"
            + ("" if k < 16 * 13 else f" {k // 208}")
            for k in range(n_cust)
        ]
    )
    currencies = sst.many(["USD", "EUR", "GBP"])[d["cust_currency"]]
    collectors = sst.many(_COLLECTORS)[np.arange(n_cust) % len(_COLLECTORS)]
    emails = sst.many([f"ap@customer{k}.example.com" for k in range(n_cust)])
    yes = sst.add("Yes")
    first_inv = len(sst.index)
    for start in range(0, rows, _CHUNK):
        stop = min(rows, start + _CHUNK)
        c = d["cust"][start:stop]
        sst.many([f"INV-{i + 1:08d}" for i in range(start, stop)])
        sst.refs += 5 * (stop - start)  # A, B, C, F, I always; J, K counted per row
        out = []
        for i, (k, inv, due, orig, opn, disp, prom) in enumerate(
            zip(
                c.tolist(),
                d["inv_date"][start:stop].tolist(),
                d["due"][start:stop].tolist(),
                _money(d["original"][start:stop]),
                _money(d["open"][start:stop]),
                d["disputed"][start:stop].tolist(),
                d["promise"][start:stop].tolist(),
                strict=True,
            )
        ):
            r = HEADER_ROW + 1 + start + i
            cells = [
                f'<row r="{r}"><c r="A{r}" t="s"><v>{ids[k]}</v></c>'
                f'<c r="B{r}" t="s"><v>{names[k]}</v></c>'
                f'<c r="C{r}" t="s"><v>{first_inv + start + i}</v></c>'
                f'<c r="D{r}" s="{_DATE}"><v>{inv}</v></c>'
            ]
            if due == due:  # not NaN
                cells.append(f'<c r="E{r}" s="{_DATE}"><v>{int(due)}</v></c>')
            cells.append(
                f'<c r="F{r}" t="s"><v>{currencies[k]}</v></c>'
                f'<c r="G{r}" s="{_MONEY}"><v>{orig}</v></c>'
                f'<c r="H{r}" s="{_MONEY}"><v>{opn}</v></c>'
                f'<c r="I{r}" t="s"><v>{collectors[k]}</v></c>'
            )
            if not d["cust_email_blank"][k]:
                sst.refs += 1
                cells.append(f'<c r="J{r}" t="s"><v>{emails[k]}</v></c>')
            if disp:
                sst.refs += 1
                cells.append(f'<c r="K{r}" t="s"><v>{yes}</v></c>')
            if prom == prom:
                cells.append(f'<c r="L{r}" s="{_DATE}"><v>{int(prom)}</v></c>')
            cells.append("</row>")
            out.append("".join(cells))
        yield "".join(out)


def _head_rows(rows: int, sst: _Strings) -> str:
    title = sst.add("Accounts receivable aging (synthetic benchmark book)")
    note = sst.add(f"As of {AS_OF:%d %b %Y}; {rows:,} open items; amounts in document currency")
    header = "".join(
        f'<c r="{col}{HEADER_ROW}" s="{_BOLD}" t="s"><v>{sst.add(h)}</v></c>'
        for col, h in zip(_COLS, HEADERS, strict=True)
    )
    return (
        f'<row r="1"><c r="A1" s="{_BOLD}" t="s"><v>{title}</v></c></row>'
        f'<row r="2"><c r="A2" t="s"><v>{note}</v></c></row>'
        f'<row r="{HEADER_ROW}">{header}</row>'
    )


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STATIC = {
    "[Content_Types].xml": _DECL
    + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/{SHEET_PART}" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
    "</Types>",
    "_rels/.rels": _DECL
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>",
    "xl/workbook.xml": _DECL + f'<workbook {_NS} xmlns:r="{_R}"><bookViews><workbookView/>'
    f'</bookViews><sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets>'
    '<calcPr calcId="191029"/></workbook>',
    "xl/_rels/workbook.xml.rels": _DECL
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_R}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{_R}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>",
    "xl/styles.xml": _DECL + f"<styleSheet {_NS}>"
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>",
}


def generate(path: Path, rows: int, seed: int | None = None) -> Path:
    """Write a synthetic aging book of ``rows`` open items to ``path`` (atomically).

    Raises ValueError when the rows would not fit one Excel sheet.
    """
    if not 1 <= rows <= EXCEL_MAX_ROWS - HEADER_ROW:
        raise ValueError(f"rows must be 1..{EXCEL_MAX_ROWS - HEADER_ROW}, got {rows}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.part")
    last = HEADER_ROW + rows
    sst = _Strings()
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for name, text in _STATIC.items():
            z.writestr(name, text)
        with z.open(SHEET_PART, "w", force_zip64=True) as f:
            f.write(
                (
                    f'{_DECL}<worksheet {_NS} xmlns:r="{_R}"><dimension ref="A1:L{last}"/>'
                    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="3" topLeftCell="A4"'
                    ' activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                    '<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="12" '
                    'width="16" customWidth="1"/></cols><sheetData>' + _head_rows(rows, sst)
                ).encode()
            )
            for chunk in _rows(rows, sst, seed if seed is not None else rows):
                f.write(chunk.encode())
            f.write(
                f'</sheetData><autoFilter ref="A{HEADER_ROW}:L{last}"/>'
                '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3"'
                ' footer="0.3"/></worksheet>'.encode()
            )
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(
                f'{_DECL}<sst {_NS} count="{sst.refs}" uniqueCount="{len(sst.index)}">'.encode()
            )
            items = list(sst.index)
            for i in range(0, len(items), _CHUNK):
                f.write(
                    "".join(f"<si><t>{escape(t)}</t></si>" for t in items[i : i + _CHUNK]).encode()
                )
            f.write(b"</sst>")
    tmp.replace(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate synthetic aging books (cached).")
    parser.add_argument("--sizes", default="10k,100k", help="comma list: 10k,100k,1m or numbers")
    parser.add_argument("--out", type=Path, default=OUT, help="folder (default benchmarks/out)")
    parser.add_argument("--force", action="store_true", help="regenerate even when cached")
    args = parser.parse_args(argv)
    for size in args.sizes.split(","):
        path = ensure_book(parse_size(size), args.out, args.force)
        print(f"{size}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
