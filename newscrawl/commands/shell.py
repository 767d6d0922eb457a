"""``scrapy shell``, answering at once also when the browser handler launches Chromium.

Scrapy 2.19 marks the engine running only after every ``engine_started`` handler has returned;
scrapy-playwright's handler launches the browser in one, and a fetch scheduled before that is
dropped and never retried (the shell hangs). This command waits for the engine before the
shell's first fetch, so pages that need the browser can still be fetched through it.
"""

from __future__ import annotations

import time

from scrapy.commands.shell import Command as ScrapyShellCommand
from scrapy.crawler import Crawler

from newscrawl.commands.debugging import LooksOnly

ENGINE_START_TIMEOUT = 60  # seconds; Chromium starts in one or two


class Command(LooksOnly, ScrapyShellCommand):
    def _init_with_reactor(self, crawler: Crawler) -> None:
        super()._init_with_reactor(crawler)
        deadline = time.monotonic() + ENGINE_START_TIMEOUT
        while not (crawler.engine and crawler.engine.running) and time.monotonic() < deadline:
            time.sleep(0.02)
