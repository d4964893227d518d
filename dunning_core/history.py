"""Paid history: the settled invoices the forecast learns from.

A *Paid History* sheet (or a CSV export) lists, per settled invoice, the customer,
invoice and due dates, amount, settled date and a dispute flag. Headers differ by
system, so each field is declared once with its synonyms and its parser (STYLE.md,
point 4); the IBM late-payment sample (``customerID``, ``InvoiceDate``, ``DueDate`` as
M/D/YYYY text, ``InvoiceAmount``, ``Disputed`` Yes/No, ``SettledDate``) is one layout
the vocabulary covers. Rows that cannot be used are left out and reported as
:class:`~dunning_core.records.Problem` values with their cell address, never raised;
only a missing required column stops the read (:class:`~dunning_core.records.UserError`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dunning_core.columns import F
from dunning_core.money import cents_series
from dunning_core.policy import DEFAULT_POLICY, Policy
from dunning_core.records import Problem, RawSheet, Severity, UserError
from dunning_core.sheetaddr import cell_address

#: Column of the history frame holding the settled (paid) date; not an aging-book field.
SETTLED_DATE = "settled_date"
#: Normalised names of a workbook sheet that holds paid history (see normalise_header).
HISTORY_SHEETS = ("paidhistory", "paymenthistory", "history", "paidinvoices", "settled")


@dataclass(frozen=True)
class HistoryField:
    """One field of the paid history: where it may be found and how it is parsed.

    Attributes:
        name: column name in the history frame.
        kind: parser: "text", "date", "amount" (to integer cents) or "flag".
        synonyms: header texts recognised, compared after :func:`normalise_header`.
        required: whether the history is unusable without it.
    """

    name: str
    kind: str
    synonyms: tuple[str, ...]
    required: bool = False


VOCABULARY: tuple[HistoryField, ...] = (
    HistoryField(
        F.CUSTOMER_ID,
        "text",
        (
            "customerid",
            "customer id",
            "customer no",
            "customer number",
            "customer",
            "account",
            "account no",
            "bill-to number",
            "debtor",
            "party",
            "contact",
        ),
        required=True,
    ),
    HistoryField(
        F.INVOICE_NO,
        "text",
        (
            "invoicenumber",
            "invoice number",
            "invoice no",
            "invoice",
            "document number",
            "doc no",
            "num",
            "voucher no",
            "reference",
        ),
    ),
    HistoryField(
        F.INVOICE_DATE,
        "date",
        ("invoicedate", "invoice date", "document date", "doc date", "posting date", "date"),
    ),
    HistoryField(F.DUE_DATE, "date", ("duedate", "due date", "net due date", "due"), True),
    HistoryField(
        F.ORIGINAL_CENTS,
        "amount",
        (
            "invoiceamount",
            "invoice amount",
            "original amount",
            "invoiced amount",
            "amount",
            "amount paid",
            "total",
        ),
        required=True,
    ),
    HistoryField(
        SETTLED_DATE,
        "date",
        (
            "settleddate",
            "settled date",
            "settled",
            "paid date",
            "date paid",
            "payment date",
            "clearing date",
            "cleared",
            "paid on",
        ),
        required=True,
    ),
    HistoryField(F.DISPUTED, "flag", ("disputed", "dispute", "in dispute", "dispute flag")),
    HistoryField(
        F.SEGMENT,
        "text",
        (
            "segment",
            "customer segment",
            "customer group",
            "countrycode",
            "country code",
            "country",
            "region",
            "territory",
        ),
    ),
    HistoryField(F.CURRENCY, "text", ("currency", "currency code", "curr")),
)

HISTORY_COLUMNS: tuple[str, ...] = (F.ROW, *(f.name for f in VOCABULARY))

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
_TRUE = {"yes", "y", "true", "1", "x", "disputed", "ja", "oui"}
_FALSE = {"no", "n", "false", "0", "", "nan", "none", "nein", "non"}


def normalise_header(text: object) -> str:
    """Lower-case and keep letters and digits only, so spelling variants compare equal.

    >>> normalise_header(" Invoice-No. "), normalise_header("InvoiceDate")
    ('invoiceno', 'invoicedate')
    """
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


def read_history(
    source: RawSheet | str | Path, policy: Policy = DEFAULT_POLICY
) -> tuple[pd.DataFrame, tuple[Problem, ...]]:
    """Read paid history from a sheet's raw values or a CSV file.

    Returns a frame with :data:`HISTORY_COLUMNS` (dates ``datetime64[ns]``, amounts
    ``int64`` cents, ``disputed`` bool, text as ``str``; optional fields not found
    are filled with defaults) and the problems found. ``policy.header_overrides``
    pins a field to a header, as for the aging book.
    """
    sheet = source if isinstance(source, RawSheet) else _read_csv(Path(source))
    header_idx, mapping = _locate_header(sheet, policy)
    missing = [f.name for f in VOCABULARY if f.required and f.name not in mapping]
    if missing:
        found = (
            [str(v) for v in sheet.rows[header_idx] if v not in (None, "")] if sheet.rows else []
        )
        raise UserError(
            f"{sheet.name}: paid history needs columns for {', '.join(missing)}; "
            f"headers found in row {sheet.first_row + header_idx}: {', '.join(found) or 'none'}"
        )
    body = [list(r) for r in sheet.rows[header_idx + 1 :]]
    width = max((len(r) for r in body), default=0)
    raw = pd.DataFrame([r + [None] * (width - len(r)) for r in body], dtype=object)
    rows = pd.Series(range(len(body)), dtype="int64") + sheet.first_row + header_idx + 1
    keep = ~raw.map(_blank).all(axis=1) if raw.shape[1] else pd.Series(False, index=rows.index)
    if mapping[F.CUSTOMER_ID] in raw:  # total lines and repeated headers are not invoices
        who = raw[mapping[F.CUSTOMER_ID]].map(normalise_header).astype("str")
        header = normalise_header(sheet.rows[header_idx][mapping[F.CUSTOMER_ID]])
        keep &= ~(who.str.match(r"^(grand)?(sub)?total") | (who == header))
    problems: list[Problem] = []
    out = pd.DataFrame({F.ROW: rows})
    bad = pd.Series(False, index=out.index)
    for fld in VOCABULARY:
        col = mapping.get(fld.name)
        values = raw[col] if col is not None and col in raw else pd.Series(None, index=out.index)
        parsed, invalid = _parse(values, fld.kind)
        out[fld.name] = parsed
        invalid &= keep
        if fld.required:
            invalid |= keep & values.map(_blank).astype(bool) & ~invalid
            bad |= invalid
        for i in invalid[invalid].index:
            problems.append(
                Problem(
                    sheet.name,
                    cell_address(int(rows[i]), sheet.first_col + int(col or 0)),
                    fld.name,
                    "" if _blank(values[i]) else str(values[i]),
                    f"expected a {fld.kind} for {fld.name}; "
                    + ("row left out of the paid history" if fld.required else "left blank"),
                    Severity.ERROR if fld.required else Severity.WARNING,
                )
            )
    out = out[keep & ~bad].reset_index(drop=True)
    out[F.CURRENCY] = out[F.CURRENCY].where(out[F.CURRENCY] != "", policy.default_currency)
    return out, tuple(problems)


def _blank(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""
    )


def _locate_header(sheet: RawSheet, policy: Policy) -> tuple[int, dict[str, int]]:
    """Pick the row (among the first 15) whose cells name the most history fields."""
    best: tuple[int, dict[str, int]] = (0, {})
    pinned = {k: normalise_header(v) for k, v in policy.header_overrides.items()}
    for idx, row in enumerate(sheet.rows[:15]):
        headers = [normalise_header(v) for v in row]
        mapping: dict[str, int] = {}
        taken: set[int] = set()
        for fld in VOCABULARY:
            wanted = [pinned[fld.name]] if fld.name in pinned else []
            wanted += [normalise_header(s) for s in fld.synonyms]
            for name in wanted:
                hits = [c for c, h in enumerate(headers) if h == name and c not in taken]
                if hits:
                    mapping[fld.name] = hits[0]
                    taken.add(hits[0])
                    break
        if len(mapping) > len(best[1]):
            best = (idx, mapping)
    return best


def _parse(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Parse one column; return (typed values, mask of present-but-invalid cells)."""
    present = ~values.map(_blank).astype(bool)
    if kind == "date":
        parsed = _dates(values)
        return parsed, present & parsed.isna()
    if kind == "amount":
        text = values.map(lambda v: "" if _blank(v) else str(v).strip()).astype("str")
        neg = text.str.startswith("(") & text.str.endswith(")") | text.str.endswith("-")
        number = pd.to_numeric(text.map(_decimal_text), errors="coerce")
        cents = cents_series(number.where(~neg, -number.abs()))
        return cents.fillna(0).astype("int64"), present & cents.isna()
    if kind == "flag":
        text = values.map(lambda v: "" if _blank(v) else str(v).strip().lower()).astype("str")
        flags = text.isin(_TRUE)
        return flags.astype(bool), ~(flags | text.isin(_FALSE))
    text = values.map(lambda v: "" if _blank(v) else _text(v)).astype("str")
    return text.astype(str), pd.Series(False, index=values.index)


def _decimal_text(text: str) -> str:
    """Amount text to a plain decimal: symbols dropped, either separator convention.

    The last of ``.``/``,`` is the decimal mark when both appear; a lone comma is a
    decimal mark only when one or two digits follow it ("10,5"), else thousands.

    >>> [_decimal_text(t) for t in ("$1,234.50", "1.234,5", "10,5", "1,234", "-7")]
    ['1234.50', '1234.5', '10.5', '1234', '-7']
    """
    t = re.sub(r"[^0-9.,\-]", "", text).rstrip("-")
    if "," in t and "." in t:
        dec = "," if t.rfind(",") > t.rfind(".") else "."
        t = t.replace("." if dec == "," else ",", "").replace(",", ".")
    elif "," in t:
        t = (
            t.replace(",", ".")
            if re.search(r",\d{1,2}$", t) and t.count(",") == 1
            else t.replace(",", "")
        )
    elif t.count(".") > 1:
        t = t.replace(".", "")
    return t


def _text(value: object) -> str:
    """Text of an identifier; a whole float from a reader (123.0) loses its '.0'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _dates(values: pd.Series) -> pd.Series:
    """Dates from datetimes, Excel serials or text; the text format parsing most cells wins."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_dt = values.map(lambda v: hasattr(v, "year") and hasattr(v, "month"))
    if is_dt.any():
        out[is_dt] = pd.to_datetime(values[is_dt].astype(object), errors="coerce").astype(
            "datetime64[ns]"
        )
    is_num = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    if is_num.any():
        serial = pd.to_numeric(values[is_num], errors="coerce").astype("float64")
        ok = serial.between(1, 2_958_465)
        out[is_num] = pd.to_datetime(serial.where(ok), unit="D", origin="1899-12-30")
    text = (
        values[~is_dt & ~is_num]
        .map(lambda v: "" if _blank(v) else str(v).strip()[:19])
        .astype("str")
    )
    text = text.str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2})?$", "", regex=True)
    if len(text):
        tries = [pd.to_datetime(text, format=fmt, errors="coerce") for fmt in _DATE_FORMATS]
        best = max(tries, key=lambda s: int(s.notna().sum()))
        out[text.index] = best.astype("datetime64[ns]")
    return out.dt.normalize()


def _read_csv(path: Path) -> RawSheet:
    """A CSV as raw text cells (delimiter sniffed, BOM dropped, cp1252 fallback)."""
    if not path.is_file():
        raise UserError(f"{path}: paid history file not found")
    try:
        data = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        data = path.read_text(encoding="cp1252")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(data[:4096], ";,\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(data.splitlines(), dialect)]
    return RawSheet(name=path.name, rows=rows)


def is_history_sheet(name: str) -> bool:
    """Whether a sheet's name marks it as paid history ("Paid History", "Payment history")."""
    return normalise_header(name) in HISTORY_SHEETS
