"""Feed URI parameters, so that FEEDS can stay configuration (see settings.FEEDS)."""

from __future__ import annotations

from typing import Any

from scrapy import Spider


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """Add ``exports_dir`` (the EXPORTS_DIR setting) and the spider's ``run_id``."""
    return {**params, "exports_dir": spider.settings.get("EXPORTS_DIR").rstrip("/"),
            "run_id": getattr(spider, "run_id", params["time"])}
