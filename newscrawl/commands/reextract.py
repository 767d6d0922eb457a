"""``scrapy reextract`` (``python -m newscrawl reextract``): the items made again from the WARC
archives of runs, without the site, on every core (``newscrawl.archive.reextract``). The crawl it
runs is ``scrapy crawl`` with ``REEXTRACT_RUNS``: the Reextraction add-on does the rest."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from scrapy.cmdline import execute
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.archive import reextract as parallel
from newscrawl.commands.archive import ArchiveCommand
from newscrawl.pages.site import site


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[--runs ID,ID|all] [-j N] [-s NAME=VALUE]..."

    def short_desc(self) -> str:
        return "Make the items again from the WARC archives of runs, without the site"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--runs", default="all", help="run ids with commas, or all (default)")
        parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                            help="worker processes, whole articles to each (default: the cores)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if opts.jobs < 1:
            raise UsageError(f"-j takes 1 or more workers, not {opts.jobs}")
        spider = site(self.settings).SPIDER
        run_id = f"reextract-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        crawl = ["scrapy", "crawl", spider, "--summary", "-s", f"REEXTRACT_RUNS={opts.runs}",
                 *(token for value in opts.set for token in ("-s", value))]
        if opts.jobs == 1:
            execute([*crawl, "-a", f"run_id={run_id}"])  # exits with the crawl command's status
        self.exitcode = parallel.run(self.settings, spider, run_id, opts.jobs, [sys.executable, "-m", *crawl])
