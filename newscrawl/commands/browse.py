"""``scrapy browse`` (``python -m newscrawl browse``): the dataset in a browser (Datasette) on
127.0.0.1, with its Russian search (``newscrawl.browse``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand

from newscrawl.commands.archive import ArchiveCommand


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[--port 8001] [-s DATASET_DIR=…]"

    def short_desc(self) -> str:
        return "Browse and search the dataset in a browser (Datasette)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=8001, help="the port on 127.0.0.1 (default 8001)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from newscrawl.browse.server import serve  # Datasette: imported only by this command

        assert self.settings is not None
        self.exitcode = serve(Path(self.settings.get("DATASET_DIR")), opts.port) or 0
