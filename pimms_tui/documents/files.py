"""Writing a document to disk: readable by its owner only, never left half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pimms_tui.settings import FOLDER_MODE


def write_private(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` with mode 0600; its path.

    The file is written beside ``path`` under a temporary name (created 0600) and moved in
    place at the end: an interrupted write never leaves a half file under the name asked for.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # A folder made here is private; one the user chose keeps its mode, the file is 0600.
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".document-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
