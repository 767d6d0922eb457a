"""``scrapy distributed seed|status`` (``python -m newscrawl distributed``): a shared crawl in
Redis (``newscrawl.distributed``).

``seed``: a new shared crawl (the last one's queue, fingerprints and leases gone); ``status``: its
queue, requests in flight, workers and items; exit status 0 once it is finished, else 3; with
``--wait``, 4 when no worker has been alive for ``DISTRIBUTED_LEASE_TTL`` while work waits."""

from __future__ import annotations

import argparse
import sys
import time

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.archive import ArchiveCommand
from newscrawl.credentials import mask_credentials
from newscrawl.distributed.keys import CrawlKeys
from newscrawl.pages.site import site
from newscrawl.urls import canonical_url

ACTIONS = ("seed", "status")


class Command(ArchiveCommand, ScrapyCommand):
    takes_arguments = True

    def syntax(self) -> str:
        return "seed|status [--start-url URL] [--wait] -s REDIS_URL=redis://…"

    def short_desc(self) -> str:
        return "Seed a shared crawl in Redis, or show how far it is"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--start-url", default=None, help="seed: the listing the crawl starts from (default: the site's)")
        parser.add_argument("--wait", action="store_true", help="status: print it every few seconds until the crawl is finished")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from newscrawl.distributed.worker import connect, seed  # redis: see commands/__init__.py

        assert self.settings is not None
        if len(args) != 1 or args[0] not in ACTIONS:
            raise UsageError(f"give one of {', '.join(ACTIONS)}")
        if not self.settings.get("REDIS_URL"):
            raise SystemExit("newscrawl: a shared crawl needs -s REDIS_URL=redis://host:port/db")
        crawled = site(self.settings)
        server, keys = connect(self.settings), CrawlKeys(crawled.SPIDER)
        if args[0] == "seed":
            start_url = opts.start_url or crawled.START_URL
            seed(server, keys, canonical_url(start_url))
            print(f"newscrawl: a new crawl of {start_url} is seeded in {mask_credentials(self.settings.get('REDIS_URL'))}; "
                  f"start the workers with `scrapy crawl {crawled.SPIDER} -s REDIS_URL=…`", file=sys.stderr)
            return
        self.exitcode = self._status(server, keys, opts.wait, crawled.SPIDER)

    def _status(self, server: object, keys: CrawlKeys, wait: bool, spider: str) -> int:
        from newscrawl.distributed.worker import progress

        assert self.settings is not None
        patience = self.settings.getfloat("DISTRIBUTED_LEASE_TTL")
        alone_since = None  # when the unfinished crawl was first seen with no live worker
        while True:
            found = progress(server, keys)
            print(f"newscrawl: {found.line()}", file=sys.stderr, flush=True)
            if found.finished_at or not wait:
                return 0 if found.finished_at else 3
            alone_since = None if found.workers_alive else alone_since or time.monotonic()  # unfinished, no one on it
            if alone_since is not None and time.monotonic() - alone_since > patience:
                print(f"newscrawl: no worker alive for {patience:.0f} s (DISTRIBUTED_LEASE_TTL) while work waits: "
                      f"start one with `scrapy crawl {spider} -s REDIS_URL=…`", file=sys.stderr)
                return 4
            time.sleep(min(5.0, patience / 3))
