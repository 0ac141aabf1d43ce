"""Checks every piece of user text passes before Coach does anything with it.

The checks refuse what cannot be a message (empty, binary, far too long) with a
message that says what to do; they never quote the text back.
"""

from __future__ import annotations

from coach.errors import InputError

_ALLOWED_CONTROL = {"\n", "\r", "\t"}


def check_text(text: object, *, max_chars: int, what: str = "message") -> str:
    """Return ``text`` unchanged if usable, else raise :class:`InputError`."""
    if not isinstance(text, str):
        raise InputError(f"The {what} must be text.")
    if not text.strip():
        raise InputError(f"The {what} is empty.", hint=f"Write or paste the {what} first.")
    if len(text) > max_chars:
        raise InputError(
            f"The {what} is {len(text):,} characters long; the limit is {max_chars:,}.",
            hint="Shorten it, or split it into parts and check each one.",
        )
    controls = sum(1 for ch in text if ch < " " and ch not in _ALLOWED_CONTROL)
    if "\x00" in text or controls > max(3, len(text) // 20):
        raise InputError(
            f"The {what} looks like binary data, not text.",
            hint="Paste the words themselves rather than a file's raw contents.",
        )
    return text
