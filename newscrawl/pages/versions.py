"""The site's markup versions by date: which parser reads a page fetched at a given moment.

The built-in version is the site module's own code, valid from the beginning. Each learned
version (``python -m newscrawl learn``) is a data file in ``SITE_VERSIONS_DIR``, valid from the
moment it names until the next one's: a page is read with the version of its fetch time, so a
re-extraction of an old run's WARC reads its pages with the markup they were written in (as
Fundus picks a publisher's parser by the article's date).

Every crawl, re-extraction and ``scrapy shell``/``parse``/``check`` loads the folder at start
(the ``SiteVersions`` extension); a file that cannot be read is named in one line and skipped.
"""

from __future__ import annotations

import bisect
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newscrawl import statkeys
from newscrawl.pages.rules import Rule

logger = logging.getLogger(__name__)

BUILT_IN = "built-in"
UNREADABLE = "unreadable by site version"  # how a page's problem begins when its version cannot read it
SUFFIX = ".json"


@dataclass(frozen=True)
class Version:
    name: str
    valid_from: datetime
    rules: dict[str, Rule]
    taught_by: dict[str, Any] = field(default_factory=dict)  # pages, records, what each field reproduced

    def rule(self, name: str) -> Rule | None:
        return self.rules.get(name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "valid_from": self.valid_from.isoformat(),
                "fields": {name: rule.to_json() for name, rule in self.rules.items()}, "taught_by": self.taught_by}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Version:
        valid_from = datetime.fromisoformat(data["valid_from"])
        if valid_from.tzinfo is None:
            raise ValueError("valid_from needs an offset")
        return cls(name=str(data["name"]), valid_from=valid_from, taught_by=data.get("taught_by", {}),
                   rules={name: Rule.from_json(rule) for name, rule in data["fields"].items()})


def version_path(folder: Path, version: Version) -> Path:
    return folder / f"{version.valid_from:%Y%m%dT%H%M%S}-{version.name}{SUFFIX}"


def save(folder: Path, version: Version) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = version_path(folder, version)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(version.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


class Versions:
    """The learned versions in force, by the moment each starts; None from ``at``: the built-in."""

    def __init__(self, versions: list[Version] | None = None) -> None:
        self.set(versions or [])

    def set(self, versions: list[Version]) -> None:
        self.versions = sorted(versions, key=lambda v: v.valid_from)
        self._starts = [v.valid_from for v in self.versions]

    def at(self, when: datetime) -> Version | None:
        """The version valid at ``when``: a bisection over a handful of dates, for every page."""
        if not self._starts:
            return None
        index = bisect.bisect_right(self._starts, when)
        return self.versions[index - 1] if index else None

    def load(self, folder: Path) -> list[str]:
        """Read every version file in ``folder``; the one-line reasons files were skipped."""
        found, skipped = [], []
        for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
            try:
                found.append(Version.from_json(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError) as error:
                skipped.append(f"{path}: not a site version ({error})")
        self.set(found)
        return skipped


REGISTRY = Versions()  # what the page objects read with; loaded at start by SiteVersions


def versions_dir(settings: BaseSettings) -> Path:
    """``SITE_VERSIONS_DIR``, by default ``site-versions/`` beside the exports."""
    given = settings.get("SITE_VERSIONS_DIR")
    return Path(given) if given else Path(settings.get("EXPORTS_DIR")).parent / "site-versions"


class SiteVersions:
    """Loads the learned versions before the first page is read (an extension: it exists from the
    crawler's start, in crawls, re-extractions and Scrapy's debugging commands alike)."""

    def __init__(self, crawler: Crawler) -> None:
        folder = versions_dir(crawler.settings)
        for reason in REGISTRY.load(folder):
            logger.error(reason)
            crawler.stats.inc_value(statkeys.SITE_VERSIONS_SKIPPED)
        if REGISTRY.versions:
            logger.info("Site versions: %s, then %s (from %s)", BUILT_IN,
                        ", ".join(f"{v.name} from {v.valid_from.isoformat()}" for v in REGISTRY.versions), folder)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteVersions:
        return cls(crawler)
