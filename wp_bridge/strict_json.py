"""JSON from the wire, parsed strictly: a bound on nesting checked before the parser runs (a
body nested 10,000 levels deep would otherwise end in RecursionError), and no duplicate keys
(which would let the last one silently win)."""

from __future__ import annotations

import json
from typing import Any


class StrictJsonError(ValueError):
    """Why a body is not acceptable JSON: `error` is a short code, str() the reason."""

    def __init__(self, error: str, reason: str) -> None:
        super().__init__(reason)
        self.error = error


def loads(body: bytes, *, max_depth: int) -> Any:
    """The parsed body, or StrictJsonError (malformed_json, too_deep or duplicate_key)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise StrictJsonError("malformed_json", "body is not valid UTF-8") from None
    if nesting(text) > max_depth:
        raise StrictJsonError("too_deep", f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except StrictJsonError:
        raise
    except ValueError:
        raise StrictJsonError("malformed_json", "body is not valid JSON") from None


def nesting(text: str) -> int:
    """How deep objects and arrays nest in `text` (brackets inside strings do not count)."""
    openers = text.count("{") + text.count("[")
    if openers <= 1:
        return openers  # the common case, without a walk through the text
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "}]":
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise StrictJsonError("duplicate_key", f"the key {key!r} appears twice in one object")
        result[key] = value
    return result
