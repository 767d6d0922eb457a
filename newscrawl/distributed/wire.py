"""Requests in a shared crawl's Redis as JSON, not pickles (``SCHEDULER_SERIALIZER``).

scrapy-redis pickles by default, so whoever can write to that Redis could run code in every
worker. Here a request is what ``Request.to_dict`` makes of it, written as JSON: bytes (headers,
bodies) as base64, a dict with other than text keys as its pairs, and an article's comment walk
before it began as its three facts. A walk under way never comes here: its requests stay in the
worker that holds it (``walks.LocalWalks``); one that did would be refused, not flattened.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from newscrawl.crawl.commentwalk import CommentWalk


def dumps(obj: Any) -> bytes:
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode()


def loads(data: bytes | str) -> Any:
    return json.loads(data, object_hook=_decode)


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _encode(item) for key, item in value.items()}
        return {"$items": [[_encode(key), _encode(item)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, CommentWalk):
        if value.started:
            raise ValueError(f"the comment walk of article {value.article_id} is under way: it stays in its worker")
        return {"$walk": [value.article_id, value.url, value.skip_until]}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"{type(value).__name__} cannot be written to the shared crawl's queue")


def _decode(found: dict[str, Any]) -> Any:
    if "$bytes" in found:
        return base64.b64decode(found["$bytes"])
    if "$items" in found:
        return {_hashable(key): item for key, item in found["$items"]}
    if "$walk" in found:
        article_id, url, skip_until = found["$walk"]
        return CommentWalk(article_id, url, skip_until)
    return found


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key
