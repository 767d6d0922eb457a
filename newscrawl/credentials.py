"""Credentials kept out of what newscrawl writes: logs, manifests, messages."""

from __future__ import annotations

import re

CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^\s/]*@", re.I)  # up to the last "@" of the host part


def mask_credentials(text: str) -> str:
    """Every ``user:password@`` in URLs of the text as ``***@``: for logs, manifests, messages.

    >>> mask_credentials("REDIS_URL=rediss://worker:s3cret@redis.lan:6380/0 and redis://:p@w@h/1")
    'REDIS_URL=rediss://***@redis.lan:6380/0 and redis://***@h/1'
    """
    return CREDENTIALS.sub(r"\g<scheme>***@", text)
