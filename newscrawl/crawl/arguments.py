"""What a run is asked to do: the spider's ``-a`` arguments, read strictly, and the run's id."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Arguments:
    """The spider's ``-a`` arguments: a typo is an error, not a default."""

    start_url: str | None = None  # None: the start source's own (the site's listing, a shared crawl's seed)
    run_id: str | None = None
    full: bool = False
    force: bool = False
    rebuild_state: bool = False  # read by the crawl command before the crawl starts

    @classmethod
    def read(cls, raw: dict[str, Any]) -> Arguments:
        """Raises ValueError with a one-line message naming what is accepted.

        >>> Arguments.read({"full": "1", "_job": "j1"})
        Arguments(start_url=None, run_id='j1', full=True, force=False, rebuild_state=False)
        """
        raw = dict(raw)
        job = raw.pop("_job", None)  # scrapyd's job id names the run
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown spider argument(s) {', '.join(unknown)}; accepted: "
                             f"{', '.join(cls.__dataclass_fields__)}")
        flags = {name: _flag(name, raw[name]) for name in ("full", "force", "rebuild_state") if name in raw}
        start_url = raw.get("start_url")
        if start_url is not None:
            parts = urlsplit(start_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"start_url={start_url!r} is not an http(s) URL")
        run_id = raw.get("run_id") or job
        if run_id is not None and (not run_id.strip() or "/" in run_id or run_id.startswith(".")):
            raise ValueError(f"run_id={run_id!r} cannot name a folder")
        return cls(start_url=start_url, run_id=run_id, **flags)


def _flag(name: str, value: str) -> bool:
    lowered = str(value).strip().lower()
    if lowered in ("1", "true"):
        return True
    if lowered in ("0", "false"):
        return False
    raise ValueError(f"{name}={value!r}: expected 1 or 0")


def new_run_id() -> str:
    """The UTC start time, and a random part: two runs started in the same second still differ."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
