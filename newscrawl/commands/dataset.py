"""``scrapy dataset`` (``python -m newscrawl dataset``): one dataset from every run under
``EXPORTS_DIR``, in ``DATASET_DIR`` (``newscrawl.archive.dataset``). Exit status 75 while another
build runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from newscrawl.commands.archive import ArchiveCommand
from newscrawl.layout import runs_dir
from newscrawl.monitoring import manifest
from newscrawl.pages.site import site


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[-s EXPORTS_DIR=…] [-s DATASET_DIR=…]"

    def short_desc(self) -> str:
        return "One dataset from every run (DATASET_DIR)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from newscrawl.archive.dataset import Builder, BuildRunning  # duckdb: see commands/__init__.py

        assert self.settings is not None
        settings = self.settings
        out = Path(settings.get("DATASET_DIR"))
        runs = runs_dir(settings, site(settings).SPIDER)
        try:
            summary = Builder(runs, out, settings.get("DATASET_MEMORY_LIMIT"), settings.getbool("DATASET_SQLITE"),
                              settings.getint("DATASET_THREADS")).build()
        except BuildRunning as running:
            print(f"newscrawl: {running}", file=sys.stderr)
            self.exitcode = manifest.EXIT_LOCKED
            return
        left_out = "; ".join(f"{run}: {why}" for run, why in summary["runs_left_out"].items()) or "none"
        print(f"newscrawl: dataset in {out}/ from {len(summary['runs_included'])} runs in {summary['seconds']} s: "
              f"{summary['articles']} articles, {summary['comments']} comments ({summary['deleted_comments']} "
              f"deleted); runs left out: {left_out}", file=sys.stderr)
