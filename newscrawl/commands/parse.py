"""``scrapy parse``: what a callback makes of a page, without a run folder or the state.

The spider stays on its start URL's host; unless ``-a start_url`` says otherwise, that is the
host of the page being parsed (a replica, a mirror), not the real site's.
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from scrapy.commands.parse import Command as ScrapyParseCommand

from newscrawl.commands.debugging import LooksOnly


class Command(LooksOnly, ScrapyParseCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args and "start_url" not in opts.spargs:
            parts = urlsplit(args[0])
            opts.spargs["start_url"] = f"{parts.scheme}://{parts.netloc}/news/"
        super().run(args, opts)
