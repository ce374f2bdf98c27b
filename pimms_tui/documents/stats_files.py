"""Writing an export file whole and private: readable by its owner only (0600), never half."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def private_file(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (mode 0600) to write to; moved in place on success.

    A failure leaves no half-written file, and an earlier file at ``path`` as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix
    )
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
