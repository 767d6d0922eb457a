"""What the debugging commands share: they look at pages, so they write no run folder, no
exports and no state (``RUN_FOLDER_ENABLED``), whatever the project's settings say, and they
fetch the URL they are given, on whatever host (``STAY_ON_HOST``)."""

from __future__ import annotations

import argparse
from typing import Any

from scrapy.settings import Settings

# No progress line either: it would be drawn over the shell's prompt and parse's output.
DEBUGGING_SETTINGS: dict[str, Any] = {"RUN_FOLDER_ENABLED": False, "FEEDS": {}, "STAY_ON_HOST": False,
                                      "PROGRESS_INTERVAL": 0}


class LooksOnly:
    """Mixed into Scrapy's shell, parse and check commands (not a command itself: Scrapy would
    list every ScrapyCommand subclass in COMMANDS_MODULE as one)."""

    settings: Settings | None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        assert self.settings is not None
        self.settings.setdict(DEBUGGING_SETTINGS, priority="cmdline")
