"""Canonical URLs: one page, one URL, whatever link led to it.

A ``?utm_source=`` on a sidebar link, ``m.`` or ``www.`` hosts, a print variant or a fragment
must not make a known page new: not for the dupefilter within a run, nor for the state across runs.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|yclid|ysclid|_openstat|from|ref|rss)$", re.I)
VARIANTS = re.compile(r"^(?:print|mobile|amp)$", re.I)
HOST_PREFIXES = re.compile(r"^(?:www|m|mobile|amp)\.", re.I)
FILE_SLASH = re.compile(r"(/[^/]+\.html?)/+$")  # "/news/1_a.html/" is "/news/1_a.html"


def canonical_url(url: str) -> str:
    """The page's one URL.

    >>> canonical_url("HTTPS://m.VPK.name/news/1_a.html?utm_source=discussed&print=1#comments")
    'https://vpk.name/news/1_a.html'
    >>> canonical_url("https://vpk.name/news/?page=2&utm_medium=rss")
    'https://vpk.name/news/?page=2'
    >>> canonical_url("https://www.vpk.name/news/1_a.html/?q=%D0%B0")
    'https://vpk.name/news/1_a.html?q=%D0%B0'
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not TRACKING.match(k) and not VARIANTS.match(k)]
    host = HOST_PREFIXES.sub("", parts.netloc.lower())
    path = FILE_SLASH.sub(r"\1", parts.path) or "/"
    rebuilt = urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))
    return canonicalize_url(rebuilt)
