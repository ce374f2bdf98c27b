"""Marker for user-facing English msgids that the UI translates where they are shown."""


def N_(message: str) -> str:
    """Mark a message for extraction; translated where it is shown."""
    return message
