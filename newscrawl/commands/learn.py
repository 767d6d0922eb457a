"""``scrapy learn`` (``python -m newscrawl learn``): a new site version from pages the current one
cannot read (``newscrawl.archive.learn``). Exit status 0 when a version was written, 1 when a field
could not be learned, 2 on wrong input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.archive import ArchiveCommand


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "--run ID | --url URL --record FILE [-s NAME=VALUE]..."

    def short_desc(self) -> str:
        return "A new site version from pages the current one cannot read"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--run", help="a run whose pages were unreadable: learn from them and the archive's records")
        source.add_argument("--url", help="an article page of the site (the first day), with --record")
        parser.add_argument("--record", type=Path, help="with --url: the article's known record, a JSON file "
                            '{"article": {…}, "comments": [{…}, …]} with the exported fields')

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from newscrawl.archive import learn as teach  # see commands/__init__.py

        assert self.settings is not None
        if opts.url and not opts.record:
            raise UsageError("learn --url needs --record FILE, the article's known record")
        try:
            self.exitcode = teach.from_run(self.settings, opts.run) if opts.run \
                else teach.from_url(self.settings, opts.url, opts.record)
        except teach.WrongInput as wrong:
            print(f"newscrawl learn: {wrong}", file=sys.stderr)
            self.exitcode = teach.EXIT_WRONG_INPUT
