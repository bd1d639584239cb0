"""Offsets in the unit a client's strings count. Ours (Python's) count Unicode code
points; JavaScript, Java and .NET strings count UTF-16 code units, where a character
beyond the Basic Multilingual Plane (most emoji, some CJK) is two units. Accented
letters count the same in both, precomposed ("é": one) or combining ("e" + U+0301: two)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

_BMP_END = 0xFFFF


def utf16_converter(text: str) -> Callable[[int], int]:
    """A function from a code-point offset in ``text`` to the UTF-16 offset of the same
    place: the offset plus the characters before it that take two units."""
    wide = [index for index, char in enumerate(text) if ord(char) > _BMP_END]
    return lambda offset: offset + bisect_left(wide, offset)
