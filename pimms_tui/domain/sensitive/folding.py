"""A lower-case, accent-free copy of a note that remembers where each character came from."""

import unicodedata


def folded_with_positions(text: str) -> tuple[str, list[int]]:
    """Lower-case, accent-free copy of text and, for each of its characters, the source index.

    The list has one more entry than the copy: the end of the text.
    """
    folded: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        decomposed = unicodedata.normalize("NFKD", char)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
        bare = bare.replace("’", "'").replace("`", "'") or " "
        folded.append(bare)
        positions.extend([index] * len(bare))
    positions.append(len(text))
    return "".join(folded), positions


def fold(text: str) -> str:
    """Lower-case, accent-free copy of text."""
    return folded_with_positions(text)[0]
