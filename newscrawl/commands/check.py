"""``scrapy check``: the callbacks' contracts, without a run folder or the state."""

from __future__ import annotations

from scrapy.commands.check import Command as ScrapyCheckCommand

from newscrawl.commands.debugging import LooksOnly


class Command(LooksOnly, ScrapyCheckCommand):
    pass
