"""``scrapy parse``: what a callback makes of a page, without a run folder or the state.

The spider stays on its start URL's host; unless ``-a start_url`` says otherwise, that is the
host of the page being parsed (a replica, a mirror), not the real site's. Without ``-c`` the
callback is the one the URL's shape names (the spider's ``parse``); a URL that names none is
refused in one line, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import urlsplit

from scrapy.commands.parse import Command as ScrapyParseCommand

from newscrawl.commands.debugging import LooksOnly
from newscrawl.pages.site import site


class Command(LooksOnly, ScrapyParseCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args and not opts.callback and site(self.settings).page_kind(args[0]) is None:
            print(f"newscrawl: cannot tell from {args[0]} which callback reads it; pass -c parse_listing, "
                  "-c parse_article or -c parse_comments", file=sys.stderr)
            self.exitcode = 2
            return
        if args and opts.callback and self.crawler_process is not None:
            spider = self.crawler_process.spider_loader.load(opts.spider or site(self.settings).SPIDER)
            if not callable(getattr(spider, opts.callback, None)):
                callbacks = sorted(n for n in dir(spider) if n.startswith("parse") and callable(getattr(spider, n)))
                print(f"newscrawl: the spider {spider.name} has no callback {opts.callback!r}; its callbacks: "
                      f"{', '.join(callbacks)}", file=sys.stderr)
                self.exitcode = 2
                return
        if args and "start_url" not in opts.spargs:
            parts = urlsplit(args[0])
            opts.spargs["start_url"] = f"{parts.scheme}://{parts.netloc}/news/"
        super().run(args, opts)
