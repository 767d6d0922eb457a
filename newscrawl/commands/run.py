"""``scrapy run`` (``python -m newscrawl run``): one scheduled crawl of the site, for cron, systemd
timers and the like: ``scrapy crawl <the site's spider> --summary``, the crawl command with one
JSON line on stdout that carries the verdict for the scheduler's log.

Exit status: 0 healthy, 1 failed or unhealthy (see the run's ``manifest.json``), 2 refused to
start, 75 another run holds the lock (try later), 130 interrupted."""

from __future__ import annotations

import argparse

from newscrawl.commands.crawl import Command as CrawlCommand
from newscrawl.pages.site import site


class Command(CrawlCommand):
    def syntax(self) -> str:
        return "[-a NAME=VALUE]... [-s NAME=VALUE]..."

    def short_desc(self) -> str:
        return "One scheduled crawl of the site, its verdict as a JSON line on stdout"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        opts.summary = True
        super().process_options(args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        super().run([site(self.settings).SPIDER, *args], opts)
