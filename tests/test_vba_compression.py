"""MS-OVBA compression: spec example, round trips (incl. > 4 KB), an independent decoder."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # oletools uses deprecated pyparsing names
    warnings.simplefilter("ignore")
    from oletools.olevba import decompress_stream

from addin.packaging.ovba_compression import CHUNK, _copy_token_help, compress, decompress

# VBA source is text: code page 1252 letters, digits, punctuation, CRLF.
vba_text = st.text(
    alphabet=st.sampled_from("abcdeIfThen End Sub()\r\n'\"=&.,0123456789_xlwings"), max_size=20000
).map(lambda s: s.encode("cp1252"))


def test_spec_no_compression_example() -> None:
    """MS-OVBA 3.2.1: a string without repeats is literal tokens in one chunk."""
    expected = bytes.fromhex(
        "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"
    )
    assert compress(b"abcdefghijklmnopqrstuv.") == expected
    assert decompress(expected) == b"abcdefghijklmnopqrstuv."


@pytest.mark.parametrize(
    ("difference", "bits", "max_len"),
    [(1, 4, 4098), (16, 4, 4098), (17, 5, 2050), (2048, 11, 34), (2049, 12, 18), (4096, 12, 18)],
)
def test_copy_token_help_matches_spec(difference: int, bits: int, max_len: int) -> None:
    """The length cap is (0xFFFF >> bit_count) + 3: the rule ms-ovba-compression got wrong."""
    bit_count, mask, maximum = _copy_token_help(difference)
    assert (bit_count, maximum) == (bits, max_len)
    assert mask == 0xFFFF >> bits


def test_long_runs_round_trip_across_chunks() -> None:
    data = b"a" * 10_000 + b"Sub X()\r\nEnd Sub\r\n" * 500
    packed = compress(data)
    assert len(packed) < len(data) // 10
    assert decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data


@settings(max_examples=60, deadline=None)
@given(vba_text)
def test_text_round_trips_exactly(data: bytes) -> None:
    packed = compress(data)
    assert decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data  # oletools' own decoder


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=0, max_size=3 * CHUNK + 100))
def test_binary_round_trips(data: bytes) -> None:
    """Any bytes come back; only an incompressible final chunk is zero-padded (spec)."""
    out = decompress(compress(data))
    assert out[: len(data)] == data
    assert set(out[len(data) :]) <= {0}
    assert len(out) - len(data) < CHUNK


def test_inputs_over_4kb_use_several_chunks() -> None:
    data = bytes(range(256)) * 40  # 10 KB, some repetition
    packed = compress(data)
    headers = 0
    pos = 1
    while pos < len(packed):
        size = (int.from_bytes(packed[pos : pos + 2], "little") & 0x0FFF) + 3
        headers += 1
        pos += size
    assert headers == 3
    assert decompress(packed) == data


def test_decompress_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="signature"):
        decompress(b"\x02abc")
    with pytest.raises(ValueError, match="chunk signature"):
        decompress(b"\x01\xff\x00")
