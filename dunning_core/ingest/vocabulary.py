"""The header vocabulary: which source headers mean which canonical field.

Declared once, one entry per field (STYLE.md point 4), so adding an ERP's spelling
is a one-line change. Headers are compared after :func:`normalise` (lower case,
accents and punctuation removed, spaces collapsed), so "Due Date", "due_date" and
"DUE-DATE " are the same. Aging-bucket headers ("1 - 30", "> 90", "Age ≤ 30 d.",
"2 Months", "Period 1") are recognised by pattern in :func:`bucket_range`.
"""

from __future__ import annotations

import difflib
import functools
import heapq
import re
import unicodedata
from typing import Final

import numpy as np

from dunning_core.columns import F

#: field -> synonyms (already normalised). Earlier synonyms are not preferred:
#: the longest (most specific) matching synonym wins across fields.
# fmt: off
SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    F.CUSTOMER_ID: (
        "customer id", "customer no", "customer number", "customer code", "customer account",
        "cust id", "cust no", "account", "account no", "account number", "acct", "acct no",
        "client id", "client no", "bill to number", "bill to", "no", "debtor no", "debtor",
        "debitor", "debitorennummer", "kundennummer", "kunden nr", "kundennr", "kd nr",
        "numero client", "code client", "n client", "conta", "party", "partner id",
        "customer number bill to", "sold to", "customer ref", "customernumber",
    ),
    F.CUSTOMER_NAME: (
        "customer", "customer name", "cust name", "name", "client", "client name", "cliente",
        "nombre cliente", "nome cliente", "kunde", "kundenname", "name of bill to party",
        "partner", "contact", "nom client", "nom", "razon social", "account name",
        "company", "company name", "customer full name", "bill to name", "party name",
        "debtor name", "sold to name",
    ),
    F.INVOICE_NO: (
        "invoice", "invoice no", "invoice number", "invoice num", "inv no", "inv", "inv num",
        "invoice id", "num", "number", "document number", "document no", "doc no",
        "doc number", "doc num", "voucher no", "voucher number", "reference", "ref",
        "transaction number", "transaction no", "entry", "bill no", "n doc", "no doc",
        "belegnummer", "beleg nr", "belegnr", "rechnungsnummer", "rechnung nr", "rechnungsnr",
        "numero facture", "n facture", "no facture", "facture", "factura", "numero factura",
        "n factura", "fatura", "numero documento", "documento", "doc", "invoice ref",
        "document", "ref number",
    ),
    F.DOC_TYPE: (
        "type", "transaction type", "txn type", "document type", "doc type", "voucher type",
        "belegart", "type de document", "tipo", "tipo documento", "tipo doc", "journal",
    ),
    F.INVOICE_DATE: (
        "date", "invoice date", "inv date", "document date", "doc date", "posting date",
        "transaction date", "txn date", "tx date", "bill date", "data doc", "belegdatum",
        "rechnungsdatum", "datum", "date facture", "date de facture", "fecha factura", "fecha",
        "data", "data emissao", "issue date", "invoice dt", "buchungsdatum",
    ),
    F.DUE_DATE: (
        "due date", "due", "net due date", "due on", "payment due", "payment due date",
        "due dt", "venc liquid", "vencliquid", "venc liquido", "vencimento",
        "data vencimento", "faellig am", "fallig am", "falligkeit", "falligkeitsdatum",
        "faelligkeit", "nettofalligkeit", "netto falligkeit", "echeance", "date echeance",
        "date d echeance", "fecha vencimiento", "fecha de vencimiento", "vencimiento",
        "baseline payment dte",
    ),
    F.ORIGINAL_CENTS: (
        "amount", "original amount", "orig amount", "invoice amount", "invoiced amount",
        "total amount", "gross amount", "amount in local currency", "amount in doc curr",
        "amount in document currency", "betrag", "rechnungsbetrag", "montant", "importe",
        "valor", "mont em mi", "montante", "foreign amount", "subt amount", "invoice total",
        "original", "amt", "invoice amt", "bruttobetrag", "betrag hauswahrung", "total",
    ),
    F.OPEN_CENTS: (
        "open balance", "balance", "open amount", "amount due", "balance due", "outstanding",
        "outstanding amount", "outstanding balance", "residual", "amount residual", "open",
        "remaining", "remaining amount", "remaining balance", "due",
        "foreign open balance", "subt open bal", "open bal", "offener betrag", "offen",
        "offener posten", "saldo", "restbetrag", "solde", "montant du", "reste a payer",
        "saldo pendiente", "importe pendiente", "valor em aberto", "em aberto",
        "saldo em aberto", "total", "total due", "amount outstanding", "open item amount",
        "balance outstanding", "net balance", "amount remaining",
    ),
    F.PAID_CENTS: (
        "paid", "paid amount", "amount paid", "payments", "payment", "bezahlt", "pago",
        "pagado", "montant paye", "valor pago",
    ),
    F.CURRENCY: (
        "currency", "currency code", "curr", "ccy", "cur", "local currency",
        "document currency", "doc curr", "doc currency", "waehrung", "wahrung", "devise",
        "moneda", "moeda", "iso currency", "crcy", "currencycode",
    ),
    F.DAYS_OVERDUE: (
        "days overdue", "days past due", "past due", "age", "aging", "age days", "days",
        "overdue days", "od days", "days late", "arrears", "arrears after net due date",
        "tage uberfallig", "tage ueberfaellig", "verzug", "verzugstage", "jours de retard",
        "retard", "dias vencidos", "dias de atraso", "atraso", "dias", "days outstanding",
        "days due", "overdue",
    ),
    F.BUCKET_LABEL: (
        "od category", "aging bucket", "bucket", "aging category", "aging period",
        "age bucket", "age band", "aging band",
    ),
    F.TERMS: (
        "terms", "payment terms", "terms of payment", "term", "term name", "zahlungsbedingung",
        "zahlungsbedingungen", "zahlungsziel", "conditions de paiement", "condiciones de pago",
        "cond pagamento", "condicao pagamento", "zterm", "pay terms",
    ),
    F.OWNER: (
        "collector", "collector name", "owner", "account owner", "sales person", "salesperson",
        "sales rep", "rep", "account manager", "assigned to", "sachbearbeiter", "responsable",
        "cobrador", "gestor", "ar owner", "credit controller", "handled by",
    ),
    F.CONTACT: (
        "contact person", "customer contact", "contact name", "attention", "attn",
        "ansprechpartner", "contacto", "interlocuteur", "billing contact",
    ),
    F.EMAIL: (
        "email", "e mail", "email address", "cust bill email", "billing email", "mail",
        "contact email", "correo", "courriel", "e mail adresse", "email id",
    ),
    F.CC: ("cc", "cc email", "copy to", "email cc"),
    F.LANGUAGE: ("language", "lang", "sprache", "langue", "idioma", "language code"),
    F.SEGMENT: (
        "segment", "customer group", "customer class", "customer segment", "tier",
        "kundengruppe", "customer type",
    ),
    F.NOTES: (
        "notes", "note", "memo", "memo description", "description", "remarks", "remark",
        "comments", "comment", "text", "last internal note", "bemerkung", "notiz", "texto",
        "observaciones", "ref label", "collector notes", "current status", "status",
    ),
    F.DISPUTED: (
        "disputed", "dispute", "in dispute", "dispute flag", "dispute case id",
        "dispute case", "strittig", "reklamation", "litige", "en disputa", "disputa",
        "em disputa",
    ),
    F.DISPUTE_REASON: (
        "dispute reason", "reason code", "dispute note", "dispute comment",
        "dispute description", "dispute details", "reason for dispute",
    ),
    F.PROMISE_DATE: (
        "promise date", "promised date", "ptp date", "promise to pay date",
        "promised pay date", "promise to pay", "ptp",
    ),
    F.PROMISE_CENTS: ("promise amount", "promised amount", "ptp amount", "promise to pay amount"),
    F.HOLD_UNTIL: (
        "hold until", "on hold until", "hold date", "hold", "on hold", "mahnsperre bis",
        "do not dun until", "paused until",
    ),
    F.DO_NOT_CONTACT: (
        "do not contact", "dnc", "no contact", "do not dun", "dunning block", "mahnsperre",
        "no dunning", "do not chase",
    ),
    F.STRATEGIC: ("strategic", "strategic account", "key account", "vip"),
    F.PAYMENT_PLAN: ("payment plan", "installment plan", "on payment plan", "ratenzahlung"),
    F.LEGAL: ("legal", "legal status", "in legal", "with legal", "collections agency", "inkasso"),
    F.STAGE_OVERRIDE: ("stage override", "dunning stage override", "override stage"),
    F.LAST_CONTACT: (
        "last contact", "last contact date", "last contacted", "last dunned",
        "last reminder", "last reminder date", "letzte mahnung", "last touch",
        "last chased", "date last dunned",
    ),
    F.IN_TRANSIT_CENTS: (
        "in transit", "payment in transit", "unapplied cash", "unapplied", "unapplied payment",
        "unallocated cash", "on account", "cash in transit", "unapplied amount",
    ),
}
# fmt: on

#: Synonyms that often mean something else: they lose to any plain synonym.
_WEAK: Final = {"total": 3, "ref": 3, "reference": 3, "data": 3, "valor": 3}

#: Fields whose content must look like dates / amounts for a match to stand.
DATE_LIKE: Final = {F.INVOICE_DATE, F.DUE_DATE, F.PROMISE_DATE, F.HOLD_UNTIL, F.LAST_CONTACT}
AMOUNT_LIKE: Final = {
    F.ORIGINAL_CENTS, F.OPEN_CENTS, F.PAID_CENTS, F.PROMISE_CENTS, F.IN_TRANSIT_CENTS,
    F.DAYS_OVERDUE,
}  # fmt: skip

_LOOKUP: Final[dict[str, list[str]]] = {}
for _field, _syns in SYNONYMS.items():
    for _syn in _syns:
        _LOOKUP.setdefault(_syn, []).append(_field)


def normalise(header: object) -> str:
    """Header text for comparison: lower case, no accents or punctuation.

    >>> normalise("  Nº doc. "), normalise("Fällig_am"), normalise("Open Balance (EUR)")
    ('n doc', 'fallig am', 'open balance eur')
    """
    s = "" if header is None else str(header)
    s = s.replace("º", "").replace("°", "").replace("#", " no ")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


_CURRENCY_WORDS = r"(?:eur|usd|gbp|chf|cad|aud|jpy|sek|nok|dkk|pln|brl|mxn|inr|zar|nzd)"


@functools.lru_cache(maxsize=4096)
def candidates(header: object) -> list[tuple[str, int]]:
    """Canonical fields a header may mean, with a specificity score (higher first).

    An exact synonym scores by its word count (x10); a synonym found inside a
    longer header ("Open Balance in EUR") scores less, so exact names win.

    >>> candidates("Due Date")[0], candidates("Open Balance in EUR")[0]
    (('due_date', 20), ('open_cents', 20))
    >>> candidates("Invoce Date")[0], candidates("Ballance")[0]
    (('invoice_date', 15), ('open_cents', 5))
    """
    norm = normalise(header)
    if not norm:
        return []
    stripped = re.sub(rf"\b(in )?{_CURRENCY_WORDS}\b", "", norm).strip()
    out: dict[str, int] = {}
    for text in {norm, stripped}:
        for field in _LOOKUP.get(text, ()):
            score = 10 * len(text.split()) - _WEAK.get(text, 0)
            out[field] = max(out.get(field, 0), score)
    padded = f" {norm} "
    for syn, fields in _LOOKUP.items():
        n = len(syn.split())
        if f" {syn} " in padded and syn != norm and (n >= 2 or len(syn) >= 5):
            for field in fields:
                out[field] = max(out.get(field, 0), 10 * n - 2)
    if not out and len(norm) >= 6:  # misspelt ("Invoce Date", "Ballance"): close match only
        for syn in _close_matches(norm, cutoff=0.88):
            for field in _LOOKUP[syn]:
                out[field] = 10 * len(syn.split()) - 5
    return sorted(out.items(), key=lambda kv: -kv[1])


_FUZZY: Final = [syn for syn in _LOOKUP if len(syn) >= 6]
_ALPHABET: Final = sorted({ch for syn in _FUZZY for ch in syn})
_FUZZY_LEN: Final = np.array([len(syn) for syn in _FUZZY])
_FUZZY_COUNT: Final = np.array([[syn.count(ch) for ch in _ALPHABET] for syn in _FUZZY])


def _close_matches(word: str, cutoff: float) -> list[str]:
    """``difflib.get_close_matches(word, _FUZZY, n=1, cutoff=cutoff)``, same result.

    difflib tries each synonym with two cheap upper bounds of the ratio (lengths,
    then shared characters) before the real ratio; here both bounds are computed
    for all synonyms at once with numpy, and difflib scores only the survivors.

    >>> _close_matches("invoce date", 0.88), _close_matches("xyzzy plugh", 0.88)
    (['invoice date'], [])
    """
    total = _FUZZY_LEN + len(word)
    shared = np.minimum(_FUZZY_COUNT, [word.count(ch) for ch in _ALPHABET]).sum(axis=1)
    real_quick = 2.0 * np.minimum(_FUZZY_LEN, len(word)) / total
    quick = 2.0 * shared / total
    result = []
    s = difflib.SequenceMatcher()
    s.set_seq2(word)
    for i in np.flatnonzero((real_quick >= cutoff) & (quick >= cutoff)):
        s.set_seq1(_FUZZY[i])
        if s.ratio() >= cutoff:
            result.append((s.ratio(), _FUZZY[i]))
    return [x for _, x in heapq.nlargest(1, result)]


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_CURRENT = r"^(current|not due|not yet due|nicht fallig|noch nicht fallig|a vencer|no vencido|" \
    r"non echu|before|0 current|future|not overdue)$"  # fmt: skip


def bucket_range(header: object, previous_max: int | None = None) -> tuple[int, int | None] | None:
    """Days-past-due range of an aging-bucket header, or None when it is not one.

    ``previous_max`` is the upper edge of the bucket column to the left, for
    headers that only state one edge ("Age ≤ 60 d.", "Older", "After").

    >>> bucket_range("1 - 30"), bucket_range("91 and over"), bucket_range("> 90")
    ((1, 30), (91, None), (91, None))
    >>> bucket_range("Current"), bucket_range("Age ≤ 60 d.", 30), bucket_range("2 Months")
    ((-30, 0), (31, 60), (61, 90))
    """
    raw = "" if header is None else str(header).strip().lower()
    raw = raw.replace("≤", "<=").replace("≥", ">=").replace("–", "-").replace("—", "-")
    norm = normalise(raw)
    lo = (previous_max if previous_max is not None else 0) + 1
    if not norm:
        return None
    if re.match(_CURRENT, norm):
        return (-30, 0)
    if re.search(r"\b(total|balance|amount|date|invoice|no|id|customer|name)\b", norm):
        return None
    m = re.search(r"(\d+)\s*(?:-|to|bis|a|until)\s*(\d+)", raw)
    if m and int(m.group(1)) <= int(m.group(2)) <= 3650:
        return (max(int(m.group(1)), 0), int(m.group(2)))
    n = re.search(r"(\d+)", raw)
    if n and re.search(r">=|and over|and above|and older|-\s*above|\+|plus|^\s*\d+\s*-\s*$", raw):
        k = int(n.group(1))
        return (previous_max + 1 if previous_max is not None and previous_max >= k else k, None)
    over = r">|over|above|more than|older than|beyond|mais de|más de|mas de|plus de|über|uber"
    if n and re.search(over, raw):
        return (int(n.group(1)) + 1, None)
    m = re.search(r"(<=|<|under|up to|less than|bis|hasta|até|ate|jusqu'à)\s*(\d+)", raw)
    if m:
        k = int(m.group(2))
        if "month" in norm:
            return (1, 30 * k)
        hi = k - 1 if m.group(1) in ("<", "under", "less than") else k
        return (lo if lo <= hi else 1, hi)
    m = re.match(r"^(\d+)\s*months?$", norm)
    if m:
        k = int(m.group(1))
        return (30 * k + 1, 30 * (k + 1))
    m = re.match(r"^period (\d+)$", norm)
    if m:
        k = int(m.group(1))
        return (30 * (k - 1) + 1, 30 * k)
    m = re.match(r"^(first|second|third|fourth|fifth|sixth) aging period$", norm)
    if m:
        k = _ORDINALS[m.group(1)]
        return (30 * (k - 1) + 1, 30 * k)
    if norm in {"older", "after", "over", "older than", "and over", "alter", "mais antigo"}:
        return (lo, None)
    return None
