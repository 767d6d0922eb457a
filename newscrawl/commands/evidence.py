"""``scrapy evidence ID`` (``python -m newscrawl evidence``): an article's or a comment's versions
and the archived pages they rest on (``newscrawl.archive.evidence``). Exit status 0 when the item is
in the archive, 1 when it is not."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.archive import ArchiveCommand
from newscrawl.layout import runs_dir
from newscrawl.pages.site import site


class Command(ArchiveCommand, ScrapyCommand):
    takes_arguments = True

    def syntax(self) -> str:
        return "ID [-s EXPORTS_DIR=…]"

    def short_desc(self) -> str:
        return "An article's or comment's versions and the archived pages they rest on"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from newscrawl.archive.evidence import report  # see commands/__init__.py

        assert self.settings is not None
        if len(args) != 1:
            raise UsageError("give one article id or comment id")
        runs = runs_dir(self.settings, site(self.settings).SPIDER)
        if not runs.is_dir():
            raise SystemExit(f"newscrawl: no runs in {runs} (EXPORTS_DIR)")
        lines = list(report(runs, args[0]))
        print("\n".join(lines))
        self.exitcode = 1 if lines[0].startswith("newscrawl: no record") else 0
