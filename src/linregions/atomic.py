"""Write files whole or not at all: a temporary name beside the target, renamed when complete."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds.

    A killed or failing writer leaves no file that looks finished. The temporary name keeps the
    extension, so writers that pick a format from it (matplotlib) still do.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    os.makedirs(folder or ".", exist_ok=True)
    stem, ext = os.path.splitext(name)
    tmp = os.path.join(folder, f".{stem}.part{os.getpid()}{ext}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_csv(frame, path: str | os.PathLike) -> None:
    """``frame.to_csv(path, index=False)``, atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def write_text(text: str, path: str | os.PathLike) -> None:
    """``text`` at ``path``, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            f.write(text)


def write_json(record, path: str | os.PathLike) -> None:
    """``record`` as indented JSON at ``path``, atomically."""
    import json

    write_text(json.dumps(record, indent=2) + "\n", path)
