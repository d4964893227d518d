"""The parts of the aging sheet around its rows: dimension, column widths and the
managed block's conditional formats (priority colour scale, grey excluded rows).

Each edit is recognisable on the next run (the block's own columns) and replaced,
so re-runs neither stack duplicate rules nor grow the sheet's column list.
"""

from __future__ import annotations

import re

from dunning_core.layout import ManagedBlock
from dunning_core.sheetaddr import column_index, column_letter

_CF = re.compile(r"<conditionalFormatting\b[^>]*>.*?</conditionalFormatting>", re.S)
_SQREF = re.compile(r'\bsqref="([^"]*)"')
_AFTER_CF = (
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)


def edit_cols(prefix: str, start: int, end: int, old: tuple[int, int], widths: list[float]) -> str:
    ours = "".join(
        f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
        for c, w in zip(range(start, end + 1), widths, strict=True)
    )
    m = re.search(r"<cols>(.*?)</cols>|<cols/>", prefix, re.S)
    if not m:
        at = prefix.find("<sheetData")
        return prefix[:at] + f"<cols>{ours}</cols>" + prefix[at:]
    kept: list[tuple[int, str]] = []
    for col in re.findall(r"<col\b[^>]*/>", m.group(1) or ""):
        lo = int(re.search(r'\bmin="(\d+)"', col).group(1))  # type: ignore[union-attr]
        hi = int(re.search(r'\bmax="(\d+)"', col).group(1))  # type: ignore[union-attr]
        if old[0] and old[0] <= lo and hi <= old[1]:
            continue  # the previous block's own widths
        for a, b in ((lo, min(hi, start - 1)), (max(lo, end + 1), hi)):
            if a <= b:
                piece = re.sub(r'\bmin="\d+"', f'min="{a}"', col)
                kept.append((a, re.sub(r'\bmax="\d+"', f'max="{b}"', piece)))
    kept.append((start, ours))
    kept.sort(key=lambda x: x[0])
    return (
        prefix[: m.start()] + "<cols>" + "".join(x for _, x in kept) + "</cols>" + prefix[m.end() :]
    )


def edit_dimension(prefix: str, end_col: int, end_row: int) -> str:
    m = re.search(r'<dimension\s+ref="([^"]*)"\s*/>', prefix)
    if not m:
        return prefix
    first, _, last = m.group(1).partition(":")
    last = last or first
    lm = re.fullmatch(r"([A-Z]+)(\d+)", last)
    if not lm:
        return prefix
    c2, r2 = max(column_index(lm.group(1)), end_col), max(int(lm.group(2)), end_row)
    ref = f"{first}:{column_letter(c2)}{r2}"
    return prefix[: m.start()] + f'<dimension ref="{ref}"/>' + prefix[m.end() :]


def _within(sqref: str, lo: int, hi: int) -> bool:
    for rng in sqref.split():
        for ref in rng.split(":"):
            m = re.fullmatch(r"\$?([A-Z]+)\$?\d*", ref)
            if not m or not lo <= column_index(m.group(1)) <= hi:
                return False
    return True


def edit_suffix(
    suffix: str,
    start: int,
    end: int,
    old: tuple[int, int],
    first: int,
    last: int,
    block: ManagedBlock,
    grey_dxf: int,
) -> str:
    def keep(m: re.Match[str]) -> str:
        sq = _SQREF.search(m.group(0))
        if sq and ((old[0] and _within(sq.group(1), *old)) or _within(sq.group(1), start, end)):
            return ""
        return m.group(0)

    suffix = _CF.sub(keep, suffix)
    prio = max([int(p) for p in re.findall(r'\bpriority="(\d+)"', suffix)] + [0])
    cfs = []
    letter = {h: column_letter(start + i) for i, h in enumerate(block.headers)}
    if last >= first:
        if "Priority" in letter:
            p = letter["Priority"]
            cfs.append(
                f'<conditionalFormatting sqref="{p}{first}:{p}{last}"><cfRule type="colorScale"'
                f' priority="{prio + 1}"><colorScale><cfvo type="min"/><cfvo type="percentile"'
                ' val="50"/><cfvo type="max"/><color rgb="FF63BE7B"/><color rgb="FFFFEB84"/>'
                '<color rgb="FFF8696B"/></colorScale></cfRule></conditionalFormatting>'
            )
        if "Excluded" in letter:
            x = letter["Excluded"]
            cfs.append(
                f'<conditionalFormatting sqref="{column_letter(start)}{first}:'
                f'{column_letter(end)}{last}">'
                f'<cfRule type="expression" dxfId="{grey_dxf}" priority="{prio + 2}">'
                f'<formula>${x}{first}="Yes"</formula></cfRule></conditionalFormatting>'
            )
    return suffix[: _cf_position(suffix)] + "".join(cfs) + suffix[_cf_position(suffix) :]


def _cf_position(suffix: str) -> int:
    """Where new conditional formats go: after the team's last one, else before the
    first element that must follow them. The search starts after the team's rules,
    since a rule may carry its own nested ``<extLst>`` (Excel's data bars do)."""
    after = 0
    for cf in _CF.finditer(suffix):
        after = cf.end()
    if after:
        return after
    at = suffix.rfind("</worksheet>") if "</worksheet>" in suffix else len(suffix)
    for name in _AFTER_CF:
        m = re.search(rf"<{name}[\s>/]", suffix)
        if m and m.start() < at:
            at = m.start()
    return at
