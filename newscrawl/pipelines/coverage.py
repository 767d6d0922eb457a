"""The fields each item gave, counted as items pass, and judged when the run closes
(``monitoring.health``: the rules, the placeholders a moderator may have left)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from scrapy.crawler import Crawler

from newscrawl import statkeys
from newscrawl.extract.items import Article, Comment
from newscrawl.monitoring.health import (
    COVERAGE_HISTORY,
    PLACEHOLDER_MAX_CHARS,
    covered_fields,
    drop_problems,
    likely_placeholders,
    rule_problems,
)
from newscrawl.state.history import History

KINDS = {Article: "article", Comment: "comment"}


class FieldCoverage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.required: dict[str, dict[str, float]] = settings.getdict("HEALTH_REQUIRED")
        self.max_drop = settings.getfloat("HEALTH_COVERAGE_DROP")
        self.runs_kept = settings.getint("HEALTH_COVERAGE_RUNS")
        self.items: Counter[str] = Counter()
        self.present: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS.values()}
        self.fields = {kind: covered_fields(cls) for cls, kind in KINDS.items()}
        self.authorless: dict[str, set[str]] = {}  # short texts with no author → the comments showing them

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FieldCoverage:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        kind = KINDS.get(type(item))
        if kind is None or getattr(item, "deleted", False):
            return item
        self.items[kind] += 1
        present = self.present[kind]
        for name in self.fields[kind]:
            value = getattr(item, name)
            if value is not None and value != [] and value != "":
                present[name] += 1
        if kind == "comment" and item.author is None and item.text and len(item.text) <= PLACEHOLDER_MAX_CHARS:
            self.authorless.setdefault(" ".join(item.text.split()), set()).add(item.comment_id)
        return item

    def close_spider(self) -> None:
        coverage = {kind: {name: round(self.present[kind][name] / self.items[kind], 4) for name in self.fields[kind]}
                    for kind in KINDS.values() if self.items[kind]}
        history = self.crawler.get_extension(History)
        earlier = json.loads(history.meta().get(COVERAGE_HISTORY, "[]")) if history else []
        problems = rule_problems(coverage, dict(self.items), self.required) + drop_problems(
            coverage, dict(self.items), earlier, self.max_drop)
        stats = self.crawler.stats
        stats.set_value(statkeys.COVERAGE, coverage)
        stats.set_value(statkeys.HEALTH_PROBLEMS, problems)
        stats.set_value(statkeys.LIKELY_PLACEHOLDERS, likely_placeholders(self.authorless))
        if history and coverage and not problems:
            history.remember({COVERAGE_HISTORY: json.dumps([*earlier, coverage][-self.runs_kept:])})
