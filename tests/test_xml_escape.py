"""Our escape/quoteattr produce exactly what xml.sax.saxutils produces (we avoid its imports)."""

from __future__ import annotations

import random
import string
import xml.sax.saxutils as sx

import pytest

from dunning_core.workbook.xml_escape import escape, quoteattr

_ALPHABET = "&<>\"'\n\r\t aé€;#" + string.ascii_letters


@pytest.mark.parametrize("seed", range(4))
def test_same_as_the_standard_library(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(5000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 16)))
        assert escape(text) == sx.escape(text)
        assert quoteattr(text) == sx.quoteattr(text)


def test_both_quotes_and_controls() -> None:
    assert quoteattr("""it's "x"\n""") == '"it\'s &quot;x&quot;&#10;"'
    assert escape("&amp;") == "&amp;amp;"
