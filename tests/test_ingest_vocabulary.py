"""Header vocabulary: tolerant of case, spacing and punctuation (property tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.columns import ALL_FIELDS
from dunning_core.ingest.vocabulary import SYNONYMS, candidates, normalise

PAIRS = sorted((syn, field) for field, syns in SYNONYMS.items() for syn in syns)


def test_every_field_in_the_vocabulary_is_canonical() -> None:
    assert set(SYNONYMS) <= set(ALL_FIELDS)
    assert all(s == normalise(s) for _, s in ((f, s) for f, ss in SYNONYMS.items() for s in ss))


@settings(max_examples=200, deadline=None)
@given(
    pair=st.sampled_from(PAIRS),
    case=st.sampled_from([str.upper, str.lower, str.title, str.capitalize]),
    sep=st.sampled_from([" ", "  ", "_", ". ", "-", " / "]),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
    tail=st.sampled_from(["", ".", ":", " *", " (EUR)"]),
)
def test_spelling_variants_keep_the_field(
    pair: tuple[str, str], case: object, sep: str, pad: str, tail: str
) -> None:
    syn, field = pair
    header = pad + case(sep.join(syn.split())) + tail + pad  # type: ignore[operator]
    fields = [f for f, _ in candidates(header)]
    assert field in fields, (header, fields)
    best = candidates(header)[0][1]
    assert dict(candidates(header))[field] >= best - 5 or len(syn) < 5
