"""Header vocabulary: tolerant of case, spacing and punctuation (property tests)."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.columns import ALL_FIELDS
from dunning_core.ingest.vocabulary import _FUZZY, SYNONYMS, _close_matches, candidates, normalise

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


@settings(max_examples=300, deadline=None)
@given(
    syn=st.sampled_from(sorted(s for ss in SYNONYMS.values() for s in ss if len(s) >= 6)),
    edits=st.lists(st.tuples(st.integers(0, 40), st.sampled_from("abeinorst 0-")), max_size=3),
    cut=st.integers(0, 3),
)
def test_close_spelling_matches_difflib(syn: str, edits: list[tuple[int, str]], cut: int) -> None:
    word = syn[cut:]
    for at, ch in edits:
        word = word[:at] + ch + word[at + 1 :]
    want = difflib.get_close_matches(word, _FUZZY, n=1, cutoff=0.88)
    assert _close_matches(word, 0.88) == want
