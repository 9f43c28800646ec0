"""Logging set-up for the workflow's scripts and other programs that log to one file."""

from __future__ import annotations

import logging
import os

#: One line per record: time, level, logger, message.
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_file(path: str | os.PathLike, level: int = logging.INFO) -> None:
    """Send every record at ``level`` and above to ``path`` (truncated), replacing other handlers."""
    logging.basicConfig(filename=os.fspath(path), filemode="w", level=level, format=FORMAT, force=True)
