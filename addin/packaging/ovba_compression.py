"""MS-OVBA 2.4.1 compression and decompression, written here rather than pinned.

Why our own: the VBA module streams and the ``dir`` stream of a ``vbaProject.bin``
are stored in this LZ77 variant, and the PyPI package ``ms-ovba-compression`` 1.0.1
corrupts streams over about 1 KB because it caps copy tokens at the wrong length.
The rule that matters (MS-OVBA 2.4.1.3.19.1, "CopyToken Help"): the number of bits
for the offset grows with the position in the 4096-byte chunk (at least 4, at most
12), and the maximum copy length is ``(0xFFFF >> bit_count) + 3``.

Build-time only: nothing at run time needs this module.

>>> decompress(compress(b"abcabcabcabc")) == b"abcabcabcabc"
True
"""

from __future__ import annotations

CHUNK = 4096
_SIGNATURE = 0x01
_MAX_CANDIDATES = 256  # cap the match search: output stays valid, build stays fast


def _copy_token_help(difference: int) -> tuple[int, int, int]:
    """(bit_count, length_mask, maximum_length) for a position ``difference`` into a chunk."""
    bit_count = max((difference - 1).bit_length(), 4)
    length_mask = 0xFFFF >> bit_count
    return bit_count, length_mask, length_mask + 3


def _compress_chunk(data: bytes) -> bytes:
    """One compressed chunk (header included) for ``data`` of at most 4096 bytes."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    pos, end = 0, len(data)
    while pos < end:
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            best_len, best_at = 0, 0
            if pos > 0 and pos + 3 <= end:
                bit_count, _, max_len = _copy_token_help(pos)
                limit = min(max_len, end - pos)
                for cand in reversed(heads.get(data[pos : pos + 3], [])[-_MAX_CANDIDATES:]):
                    length = 3
                    while length < limit and data[cand + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_at = length, cand
                        if length == limit:
                            break
            if best_len >= 3:
                bit_count, _, _ = _copy_token_help(pos)
                token = ((pos - best_at - 1) << (16 - bit_count)) | (best_len - 3)
                out += token.to_bytes(2, "little")
                flags |= 1 << bit
                step = best_len
            else:
                out.append(data[pos])
                step = 1
            for p in range(pos, pos + step):
                if p + 3 <= end:
                    heads.setdefault(data[p : p + 3], []).append(p)
            pos += step
        out[flag_index] = flags
    if len(out) > CHUNK:  # incompressible: a raw chunk, padded to 4096 bytes (spec)
        header = (CHUNK - 1) | (0b011 << 12)
        return header.to_bytes(2, "little") + data.ljust(CHUNK, b"\x00")
    header = (len(out) + 2 - 3) | (0b011 << 12) | (1 << 15)
    return header.to_bytes(2, "little") + bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer (signature byte then chunks) for ``data``.

    A final chunk that does not compress below 4096 bytes is stored raw and, as the
    spec requires, padded with zero bytes, so only such pathological inputs do not
    round-trip byte for byte (VBA source text always compresses).
    """
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data[start : start + CHUNK])
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """The bytes of a CompressedContainer (MS-OVBA 2.4.1.3.1); ValueError if malformed."""
    if not container or container[0] != _SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container (signature byte != 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise ValueError(f"truncated chunk header at byte {pos}")
        header = int.from_bytes(container[pos : pos + 2], "little")
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}")
        chunk_end = min(pos + size, len(container))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[pos : pos + CHUNK]
            pos += CHUNK
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(container[pos])
                    pos += 1
                    continue
                token = int.from_bytes(container[pos : pos + 2], "little")
                pos += 2
                bit_count, length_mask, _ = _copy_token_help(len(out) - chunk_start)
                length = (token & length_mask) + 3
                offset = (token >> (16 - bit_count)) + 1
                src = len(out) - offset
                if src < chunk_start:
                    raise ValueError("copy token points before the chunk start")
                for i in range(length):
                    out.append(out[src + i])
    return bytes(out)
