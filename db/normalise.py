"""Search keys for visitor names and phone fragments: accent-, case- and punctuation-blind."""

import re
import unicodedata

# Letters that NFKD does not decompose into a base letter plus combining marks.
_UNDECOMPOSED = str.maketrans(
    {
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŀ": "l",
    }
)

# Apostrophes, hyphens and dots separate the parts of a name ("N'Diaye", "Dupont-Moreau").
_NAME_SEPARATORS = re.compile(r"['’‘ʼ`´\-‐‑‒–—―−.·]")
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")
_FRENCH_PREFIXES = ("+33", "0033")


def storable(text: str) -> str:
    """Text without NUL characters: PostgreSQL cannot store them in text (SQLite could)."""
    return text.replace("\x00", "")


def fold(text: str) -> str:
    """Lower-case, strip accents, turn apostrophes/hyphens/dots into spaces, collapse spaces."""
    # Compatibility forms may decompose to capitals ("🄰" → "A"): fold case after NFKD too.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.translate(_UNDECOMPOSED)
    spaced = _NAME_SEPARATORS.sub(" ", bare)
    return _WHITESPACE.sub(" ", spaced).strip()


def name_tokens(*parts: str | None) -> list[str]:
    """Folded word tokens of the given name parts, in order, without duplicates."""
    tokens: list[str] = []
    for part in parts:
        if not part:
            continue
        for token in _WORD.findall(fold(part)):
            if token not in tokens:
                tokens.append(token)
    return tokens


def search_key(first_name: str | None, last_name: str | None) -> str:
    """Order-independent normalised key of a visitor's name, for indexed look-ups."""
    return " ".join(sorted(name_tokens(first_name, last_name)))


def phone_digits(text: str) -> str:
    """Digits of a phone search fragment, with a French +33/0033 prefix turned into 0."""
    stripped = text.strip()
    digits = "".join(
        str(unicodedata.decimal(ch)) for ch in stripped if unicodedata.decimal(ch, None) is not None
    )
    compact = "+" + digits if stripped.startswith("+") else digits
    for prefix in _FRENCH_PREFIXES:
        if compact.startswith(prefix):
            national = compact[len(prefix) :]
            # "+33 (0)6 ..." already carries the trunk 0.
            return national if national.startswith("0") else "0" + national
    return digits
