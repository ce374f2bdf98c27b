"""The consent texts the visitor is shown, and the hash that records which version they saw."""

from __future__ import annotations

import hashlib

KEEP_FILE_TEXT_FR = (
    "J'accepte que le PIMMS conserve mon nom et mes coordonnées pour suivre mes démarches. "
    "Je peux le retirer à tout moment : mon identité sera alors effacée."
)
KEEP_FILE_TEXT_EN = (
    "I agree that the PIMMS keeps my name and contact details to follow up my requests. "
    "I can withdraw at any time: my identity will then be erased."
)


def text_hash(text_fr: str, text_en: str) -> str:
    """The version of a consent text, as recorded with each consent (both languages)."""
    return hashlib.sha256(f"{text_fr}\n\n{text_en}".encode()).hexdigest()


KEEP_FILE_TEXT_HASH = text_hash(KEEP_FILE_TEXT_FR, KEEP_FILE_TEXT_EN)
