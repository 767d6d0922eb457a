"""A test extension that kills its own crawl (SIGKILL) at a chosen point, as a power cut would.

Enabled with ``-s EXTENSIONS=…`` (see ``kill_settings``) and ``-s KILL_AT=<point>:<n>``:

- ``response:N``  at the Nth response received (listing pages and the first articles)
- ``item:N``      at the Nth item exported (in the middle of comment walks)
- ``flush:N``     right after the Nth flush of the exports, before the state is saved
- ``save:N``      inside the Nth state save, after the articles are written, before the commit
- ``closing:1``   after the run's last commit, before its manifest
"""

from __future__ import annotations

import json
import os
import signal
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl import settings as project_settings
from newscrawl.exports.feeds import ExportFiles
from newscrawl.state.history import History
from newscrawl.state.store import ArticleState, Batch, SQLiteStateStore, _columns, _row


def kill_settings(point: str) -> list[str]:
    extensions = {**project_settings.EXTENSIONS, "tests.killer.KillAt": 15}  # after History, before RunFolder
    return ["-s", f"EXTENSIONS={json.dumps(extensions)}", "-s", f"KILL_AT={point}"]


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class KillAt:
    def __init__(self, crawler: Crawler, point: str, n: int) -> None:
        self.crawler, self.point, self.n, self.seen = crawler, point, n, 0
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KillAt:
        point, _, n = crawler.settings.get("KILL_AT").partition(":")
        return cls(crawler, point, int(n or 1))

    def count(self, point: str) -> None:
        if point == self.point:
            self.seen += 1
            if self.seen >= self.n:
                die()

    def engine_started(self) -> None:
        files, history = self.crawler.get_extension(ExportFiles), self.crawler.get_extension(History)
        flush = files.flush

        def flush_then_maybe_die() -> dict[str, int]:
            offsets = flush()
            self.count("flush")
            return offsets

        files.flush = flush_then_maybe_die  # type: ignore[method-assign]
        store = history.store
        assert isinstance(store, SQLiteStateStore)
        save = store.save

        def save_or_die_inside(batch: Batch) -> None:
            if self.point == "save" and self.seen + 1 >= self.n:
                columns = _columns(ArticleState)
                store.db.execute("BEGIN")
                store.db.executemany(f"INSERT OR REPLACE INTO articles VALUES ({', '.join('?' * len(columns))})",
                                     (_row(a, columns) for a in batch.articles))
                die()
            self.count("save")
            save(batch)

        store.save = save_or_die_inside  # type: ignore[method-assign]

    def response_received(self, **kwargs: Any) -> None:
        self.count("response")

    def item_scraped(self, **kwargs: Any) -> None:
        self.count("item")

    def spider_closed(self, **kwargs: Any) -> None:
        self.count("closing")
