"""Where a run's files go. FEEDS (settings) and the run manifest share this layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Spider


def run_dir(spider: Spider) -> Path:
    """``<EXPORTS_DIR>/<spider>/<run_id>``: one folder per run, so no run appends to another."""
    return Path(spider.settings.get("EXPORTS_DIR")) / spider.name / spider.run_id


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """Feed URI parameters: ``%(run_dir)s`` in a FEEDS key is this run's folder."""
    return {**params, "run_dir": run_dir(spider).as_posix()}
