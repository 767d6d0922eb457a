"""``scrapy crawl``, whose exit status tells the truth: 0 only for a healthy, finished run.

What it says at the end goes where the run's log goes: the log file (``--logfile``, ``LOG_FILE``;
scrapyd's job log is one) when there is one, else stderr; ``--summary`` adds one JSON line on
stdout for every exit status, refusals included.

Scrapy's own command exits 0 even when every request failed. This one, like it in every other
way, first refuses a run that would do harm (``newscrawl.runs.preflight``), holds the state's run
lock for the whole run, and ends with the run's verdict, one line, and its exit status
(``newscrawl.monitoring.manifest.EXIT_*``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.utils.misc import load_object

from newscrawl.addons import missing_contact, settle, trial_folders
from newscrawl.layout import RunLayout, read_manifest
from newscrawl.monitoring import manifest
from newscrawl.runs.preflight import RunRefused, check, check_settings, run_lock_path, take_run_lock


class Command(ScrapyCrawlCommand):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--summary", action="store_true",
                            help="print the run's verdict as one JSON line on stdout (for schedulers)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """The settings are checked before Scrapy reads any of them (``LOG_LEVEL`` first, to set
        up the log): a value it cannot read is one line and exit 2, not a traceback."""
        super().process_options(args, opts)
        assert self.settings is not None
        self.summary = opts.summary
        try:
            check_settings(self.settings)
        except RunRefused as error:
            self._refuse(f"{error}", manifest.EXIT_REFUSED)
            sys.exit(self.exitcode)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("running 'scrapy crawl' needs exactly one spider")
        assert self.crawler_process is not None and self.settings is not None
        names = self.crawler_process.spider_loader.list()
        if args[0] not in names:
            return self._refuse(f"no spider {args[0]!r}; the spiders: {', '.join(sorted(names))}", manifest.EXIT_REFUSED)
        spidercls = self.crawler_process.spider_loader.load(args[0])
        read_arguments = getattr(spidercls, "read_arguments", None)
        if read_arguments is None or not self.settings.getbool("RUN_FOLDER_ENABLED"):
            return super().run(args, opts)
        settle(self.settings)  # the checks below read what the crawl will: where its runs write, its state
        if opts.output or opts.overwrite_output:
            return self._refuse(
                f"-o/-O would replace the run's exports; each run writes {self.settings.get('EXPORTS_DIR')}/"
                f"{spidercls.name}/<run_id>/articles|comments.jsonl|csv, and `python -m newscrawl dataset` "
                "makes one dataset of every run", manifest.EXIT_REFUSED)
        try:
            arguments = read_arguments(opts.spargs)
        except ValueError as error:
            return self._refuse(f"{error}", manifest.EXIT_REFUSED)
        trial = trial_folders(self.settings, arguments.start_url)
        if trial:
            self._say(f"newscrawl: {trial}")
        lock = take_run_lock(self.settings)
        if lock is None:
            return self._refuse(f"another run holds {run_lock_path(self.settings)}; not starting", manifest.EXIT_LOCKED)
        with lock:
            opts.spargs["run_id"] = arguments.run_id
            try:
                site = None if self.settings.get("REEXTRACT_RUNS") or self.settings.get("REDIS_URL") \
                    else arguments.start_url  # an archive's pages, or the shared crawl's seed
                done = check(self.settings, spidercls.name, arguments.run_id, arguments.rebuild_state, site)
            except RunRefused as error:
                return self._refuse(str(error), manifest.EXIT_REFUSED)
            if done:
                self._say(f"newscrawl: {done}")
            # Which site the crawl fetches is its start source's to say (a shared crawl's seed is in
            # its Redis, which the checks above have reached): CONTACT is owed to that site.
            fetched = load_object(self.settings.get("START_SOURCE")).site_url(self.settings, opts.spargs.get("start_url"))
            contact = missing_contact(self.settings, fetched) if fetched else None
            if contact:
                self._say(f"newscrawl: {contact}")
            opts.spargs.pop("rebuild_state", None)
            self._crawl(args[0], opts, RunLayout.of(self.settings, spidercls.name, arguments.run_id).folder)

    def _crawl(self, name: str, opts: argparse.Namespace, folder: Path) -> None:
        assert self.crawler_process is not None
        self.crawler_process.crawl(self._create_crawler(name), **opts.spargs)
        self.crawler_process.start()
        found = read_manifest(folder)
        if found is None:
            line = (f"newscrawl: run {folder.name} stopped before it could close (interrupted twice, or it "
                    "failed to start); the next run recovers what it saved")
            self.exitcode = manifest.EXIT_INTERRUPTED if folder.exists() else manifest.EXIT_UNHEALTHY
        else:
            line = manifest.verdict_line(found, RunLayout(folder).manifest)
            self.exitcode = manifest.exit_status(found)
            self._say("\n".join([f"newscrawl: run {folder.name}", *manifest.summary_lines(found)]))
        self._say(line)
        self._summary(str(RunLayout(folder).manifest), bool(found and found["healthy"]),
                      found["problems"] if found else [line], found["counts"] if found else None)

    def _refuse(self, message: str, status: int) -> None:
        self.exitcode = status
        self._say(f"newscrawl: {message}")
        self._summary(None, False, [message], None)

    def _say(self, text: str) -> None:
        """To the log file when the run has one (scrapyd's job log), else to stderr."""
        assert self.settings is not None
        log_file = self.settings.get("LOG_FILE")
        if log_file:  # at the level the log shows, whatever LOG_LEVEL is
            level = max(logging.INFO, logging.getLevelName(self.settings.get("LOG_LEVEL") or "INFO"))
            logging.getLogger("newscrawl.verdict").log(level, text)
        else:
            print(text, file=sys.stderr)

    def _summary(self, path: str | None, healthy: bool, problems: list[str], counts: object) -> None:
        """``--summary``: one JSON line on stdout, whatever the exit status."""
        if getattr(self, "summary", False):
            print(json.dumps({"manifest": path, "exit_status": self.exitcode, "healthy": healthy,
                              "problems": problems, "counts": counts}, ensure_ascii=False))
