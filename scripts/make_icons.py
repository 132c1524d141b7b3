"""Draw Savor's neutral app icons (a leaf in a circle) as PNGs, with no imaging library.

Run from the repository root: `python scripts/make_icons.py`. The PNGs it writes under
pwa/icons/ are committed; this script is kept so they can be redrawn.
"""

import math
import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "pwa" / "icons"
TEAL = (31, 94, 87)
CREAM = (246, 244, 238)
SAMPLES = 4


def _inside_leaf(x: float, y: float) -> bool:
    # A leaf is where two circles overlap; it is turned 45 degrees.
    u, v = (x + y) / math.sqrt(2), (y - x) / math.sqrt(2)
    r, offset = 0.23, 0.135
    return (u - offset) ** 2 + v**2 < r**2 and (u + offset) ** 2 + v**2 < r**2


def _color(x: float, y: float, *, maskable: bool) -> tuple[int, int, int, int]:
    """The colour at (x, y) in -0.5..0.5 icon coordinates."""
    corner = 0.5 - 0.11
    in_corner = not maskable and abs(x) > corner and abs(y) > corner
    if in_corner and math.hypot(abs(x) - corner, abs(y) - corner) > 0.11:
        return (0, 0, 0, 0)
    if x * x + y * y < 0.3**2:
        return (*TEAL, 255) if _inside_leaf(x, y) else (*CREAM, 255)
    return (*TEAL, 255)


def _pixel(px: int, py: int, size: int, maskable: bool) -> bytes:
    total = [0, 0, 0, 0]
    for sx in range(SAMPLES):
        for sy in range(SAMPLES):
            x = (px + (sx + 0.5) / SAMPLES) / size - 0.5
            y = (py + (sy + 0.5) / SAMPLES) / size - 0.5
            r, g, b, a = _color(x, y, maskable=maskable)
            total = [total[0] + r * a, total[1] + g * a, total[2] + b * a, total[3] + a]
    alpha = total[3]
    if alpha == 0:
        return bytes(4)
    return bytes(
        [
            round(total[0] / alpha),
            round(total[1] / alpha),
            round(total[2] / alpha),
            round(alpha / SAMPLES**2),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(path: Path, size: int, *, maskable: bool = False) -> None:
    rows = b"".join(
        b"\x00" + b"".join(_pixel(px, py, size, maskable) for px in range(size))
        for py in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
    png += _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")
    path.write_bytes(png)


if __name__ == "__main__":
    ICONS.mkdir(parents=True, exist_ok=True)
    write_png(ICONS / "icon-192.png", 192)
    write_png(ICONS / "icon-512.png", 512)
    write_png(ICONS / "icon-maskable-512.png", 512, maskable=True)
    write_png(ICONS / "apple-touch-icon.png", 180, maskable=True)
