"""Control characters: what no text the product takes in may hold, and what it escapes
before anything reaches a terminal (a leaf: validation and the writers of files share it)."""

from __future__ import annotations

import re
import unicodedata


def control_character(text: str, allowed: str = "") -> str | None:
    """The first control character in ``text`` (escaped) that is not in ``allowed`` — a
    C0/C1 control, or a bidirectional override or line separator, which reorder or break
    what a terminal shows."""
    for found in CONTROL.finditer(text):  # one C-speed scan: every cell of an import
        ch = found.group()
        if ch not in allowed:
            return ascii(ch)[1:-1]
    return None


# Bidirectional embeddings, overrides and isolates, and the marks: text that reorders the
# characters around it on screen (a name that displays as another).
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Every character is_control() is true of: Cc is exactly U+0000–U+001F and U+007F–U+009F,
# Zl is U+2028 and Zp U+2029 alone (tests/store check the two agree over all of Unicode).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI)) + "]")


def has_control(text: str) -> bool:
    """Whether ``text`` holds any control character (none allowed)."""
    return CONTROL.search(text) is not None


def is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in BIDI
