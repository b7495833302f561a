"""Logging: one line per event on stderr; JSON when stderr is not a terminal (journald, files),
human-readable when it is. Messages name ids and kinds, never secrets; a filter on the handler
also redacts secret query parameters, whichever library logged them."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from daemon.redact import QuerySecretFilter


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "message"[, "error"]} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the type only: values may hold secrets
        return json.dumps(entry, ensure_ascii=False)


class HumanFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def formatException(self, ei: object) -> str:
        exc_type = ei[0] if isinstance(ei, tuple) else None
        return f"  ({getattr(exc_type, '__name__', 'error')}; details withheld)"


def configure_logging(level: str = "INFO", *, json_lines: bool | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    use_json = not sys.stderr.isatty() if json_lines is None else json_lines
    handler.setFormatter(JsonFormatter() if use_json else HumanFormatter())
    handler.addFilter(QuerySecretFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "uvicorn.error", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
