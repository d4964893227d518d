"""A minimal, deterministic Compound File Binary (MS-CFB) writer.

Why our own: ``vbaProject.bin`` is a compound file, the standard library cannot
write one, olefile only reads, and ``ms-cfb`` would be one more pinned build
dependency for about 150 lines. This writer covers exactly what a VBA project
needs: version 3 (512-byte sectors), storages and streams, small streams in the
mini stream, every directory entry black (MS-CFB 2.6.4 allows a plain binary
tree), all timestamps and CLSIDs zero, so the same input gives the same bytes.

>>> blob = write_cfb({"PROJECT": b"x", "VBA/dir": b"y"})
>>> blob[:8].hex()
'd0cf11e0a1b11ae1'
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    index: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def _key(entry: _Entry) -> tuple[int, str]:
    """MS-CFB 2.6.4 sibling order: shorter names first, then upper-cased compare."""
    return (len(entry.name), entry.name.upper())


def _tree(entries: list[_Entry]) -> int:
    """Link sorted siblings as a balanced binary tree; return the root's index."""
    if not entries:
        return NOSTREAM
    mid = len(entries) // 2
    root = entries[mid]
    root.left = _tree(entries[:mid])
    root.right = _tree(entries[mid + 1 :])
    return root.index


def _build_tree(streams: Mapping[str, bytes]) -> list[_Entry]:
    """Entries in directory order (root first), with children linked."""
    root = _Entry("Root Entry", 5)
    order = [root]
    for path, data in sorted(streams.items()):
        parent = root
        parts = path.split("/")
        for part in parts[:-1]:
            found = next((c for c in parent.children if c.name == part), None)
            if found is None:
                found = _Entry(part, 1, start=0)  # storages: start 0, size 0 (MS-CFB 2.6.3)
                parent.children.append(found)
                order.append(found)
            parent = found
        if len(parts[-1]) > 31:
            raise ValueError(f"CFB names are at most 31 characters: {parts[-1]!r}")
        leaf = _Entry(parts[-1], 2, data=data, size=len(data))
        parent.children.append(leaf)
        order.append(leaf)
    for i, entry in enumerate(order):
        entry.index = i
    for entry in order:
        entry.child = _tree(sorted(entry.children, key=_key))
    return order


def _dir_entry(e: _Entry) -> bytes:
    name = e.name.encode("utf-16-le") + b"\x00\x00"
    return struct.pack(
        "<64sHBBIII16sIQQIII",
        name,
        len(name),
        e.kind,
        1,  # black
        e.left,
        e.right,
        e.child,
        b"\x00" * 16,
        0,
        0,
        0,
        e.start,
        e.size,
        0,
    )


def _pad(data: bytes, unit: int) -> bytes:
    return data + b"\x00" * (-len(data) % unit)


def write_cfb(streams: Mapping[str, bytes]) -> bytes:
    """The compound file holding ``streams`` (keys are ``storage/.../stream`` paths)."""
    order = _build_tree(streams)
    mini_data = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for e in order:
        if e.kind != 2:
            continue
        if e.size >= CUTOFF:
            big.append(e)
        elif e.size:
            n = -(-e.size // MINI)
            e.start = len(minifat)
            minifat += [*range(e.start + 1, e.start + n), ENDOFCHAIN]
            mini_data += _pad(e.data, MINI)
        else:
            e.start = ENDOFCHAIN
    dir_bytes_len = len(order) * 128
    counts = {
        "dir": -(-dir_bytes_len // SECTOR),
        "minifat": -(-len(minifat) * 4 // SECTOR),
        "mini": -(-len(mini_data) // SECTOR),
    }
    big_counts = [-(-e.size // SECTOR) for e in big]
    payload = counts["dir"] + counts["minifat"] + counts["mini"] + sum(big_counts)
    n_fat = 1
    while n_fat * (SECTOR // 4) < payload + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("file too large for this writer (needs DIFAT sectors)")
    fat: list[int] = [FATSECT] * n_fat
    sectors = bytearray()

    def place(data: bytes, n: int) -> int:
        start = len(fat)
        fat.extend([*range(start + 1, start + n), ENDOFCHAIN])
        sectors.extend(_pad(data, SECTOR))
        return start

    root = order[0]
    dir_start = len(fat)  # directory written last into its reserved slot
    fat.extend([*range(dir_start + 1, dir_start + counts["dir"]), ENDOFCHAIN])
    minifat_start = ENDOFCHAIN
    if minifat:
        minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat)
        minifat_bytes += b"\xff" * (-len(minifat_bytes) % SECTOR)
        minifat_start = place(minifat_bytes, counts["minifat"])
    if mini_data:
        root.start = place(bytes(mini_data), counts["mini"])
        root.size = len(mini_data)
    for e, n in zip(big, big_counts, strict=True):
        e.start = place(e.data, n)
    directory = b"".join(_dir_entry(e) for e in order)
    empty = b"\x00" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM)
    empty = _pad(empty, 128)
    while len(directory) % SECTOR:
        directory += empty
    fat += [FREE] * (-len(fat) % (SECTOR // 4))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _MAGIC,
        b"\x00" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,  # directory sectors (must be 0 for version 3)
        n_fat,
        dir_start,
        0,
        CUTOFF,
        minifat_start,
        counts["minifat"] if minifat else 0,
        ENDOFCHAIN,
        0,
    )
    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    header += struct.pack("<109I", *difat)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + fat_bytes + directory + bytes(sectors)
