"""JSON records with the line each starts on and the keys each repeats (for the OMM JSON reader).

The standard :mod:`json` decoder keeps the last of repeated keys silently and gives no
positions; this reads a top-level array one record at a time to know both.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JsonObject", "json_records"]


class JsonObject(dict):
    """A decoded JSON object that remembers the keys it saw more than once."""

    def __init__(self, pairs: list[tuple[str, Any]]):
        super().__init__()
        self.repeated = []
        for k, value in pairs:
            if k in self:
                self.repeated.append(k)
            else:
                self[k] = value


_WS = re.compile(r"[ \t\r\n]*")


def json_records(text: str) -> list[tuple[Any, int]]:
    """Top-level records of a JSON array (or one object), each with the line it starts on."""
    decoder = json.JSONDecoder(object_pairs_hook=JsonObject)
    pos = _WS.match(text).end()
    line, counted = 1, 0
    out = []

    def take(at: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, at)
        counted = at
        obj, end = decoder.raw_decode(text, at)
        out.append((obj, line))
        return _WS.match(text, end).end()

    if text.startswith("[", pos):
        pos = _WS.match(text, pos + 1).end()
        if text.startswith("]", pos):
            pos += 1
        else:
            while True:
                pos = take(pos)
                if text.startswith(",", pos):
                    pos = _WS.match(text, pos + 1).end()
                elif text.startswith("]", pos):
                    pos += 1
                    break
                else:
                    raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
    else:
        pos = take(pos)
    if _WS.match(text, pos).end() != len(text):
        raise json.JSONDecodeError("Extra data", text, pos)
    return out
