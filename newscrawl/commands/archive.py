"""What the archive's commands share (``dataset``, ``reextract``, ``evidence``, ``learn``,
``browse``, ``distributed``): they run in the project, start no crawl of their own in this
process, and read settings settled once by the add-ons (``addons.settle``), ``-s`` included."""

from __future__ import annotations

import argparse

from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from newscrawl.addons import settle


class ArchiveCommand:
    """Mixed into each of them (not a command itself: Scrapy would list every ScrapyCommand
    subclass in COMMANDS_MODULE as one)."""

    requires_project = True
    requires_crawler_process = False
    takes_arguments = False  # evidence and distributed take one
    settings: Settings | None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        assert self.settings is not None
        if args and not self.takes_arguments:  # Scrapy passes on what its parser does not know
            raise UsageError(f"unknown argument(s): {' '.join(args)}")
        settle(self.settings)
