"""From trying the replica to running on the real site: a trial never reaches the archive, an
archive refuses another site, a run is polite however it is started and its exit status reaches
the scheduler unchanged, and a mistake is one line, not a traceback.

A second replica on another port stands in for the real site (a host that is not the trial's).
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.layout import RunLayout
from tests.conftest import ROOT, Replica, archive, free_port, start_replica

pytestmark = pytest.mark.e2e


def in_folder(folder: Path, *command: str, polite: bool = False) -> subprocess.CompletedProcess[str]:
    """A command run from ``folder`` as a user runs it there: the project's own settings when
    ``polite`` (the defaults a scheduled run gets), else the tests' speed against the replica."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if polite:
        env["SCRAPY_SETTINGS_MODULE"] = "newscrawl.settings"
    return subprocess.run(list(command), cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_a_trial_stays_out_of_the_archive_and_the_archive_refuses_another_site(replica: Replica, tmp_path: Path) -> None:
    live_site, proc = start_replica("--articles", "10", "--seed", "7")
    try:
        trial = in_folder(tmp_path, sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={replica.url}news/",
                          "-a", "run_id=trial")
        assert trial.returncode == 0, trial.stderr[-2000:]
        assert "its runs go to trial/exports and trial/state.sqlite, not the archive in exports" in trial.stderr
        assert RunLayout(tmp_path / "trial" / "exports" / "vpk" / "trial").manifest.is_file()
        assert not (tmp_path / "exports").exists() and not (tmp_path / ".state").exists()

        live = ["-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"STATE_URI={tmp_path / 'state.sqlite'}"]
        first = in_folder(tmp_path, sys.executable, "-m", "newscrawl", "run", "-a", f"start_url={live_site.url}news/",
                          "-a", "run_id=live", *live)
        assert first.returncode == 0, first.stderr[-2000:]
        wrong = in_folder(tmp_path, sys.executable, "-m", "newscrawl", "run", "-a", f"start_url={replica.url}news/",
                          "-a", "run_id=mixed", *live)
        assert wrong.returncode == 2
        (said,) = [line for line in wrong.stderr.splitlines() if line.startswith("newscrawl:")]
        assert f"start_url={replica.url}news/ is on" in said and said == wrong.stderr.strip().splitlines()[-1]
        assert json.loads(wrong.stdout.strip().splitlines()[-1])["exit_status"] == 2
        records = archive(tmp_path / "exports")
        truth = {(r["_type"], r.get("comment_id") or r["article_id"]) for r in live_site.truth()}
        assert set(records) == truth and not any(r.get("deleted") for rs in records.values() for r in rs)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_scheduled_run_is_polite_and_its_exit_status_reaches_the_scheduler(tmp_path: Path) -> None:
    """The README's cron line, as cron runs it (a shell, the output appended to a log)."""
    site, proc = start_replica("--articles", "3", "--js-share", "0", "--sidebar-size", "0")
    log, lock = tmp_path / "newscrawl.log", tmp_path / "state.sqlite.lock"

    def cron(*args: str) -> int:
        line = (f"cd {shlex.quote(str(tmp_path))} && {shlex.quote(sys.executable)} -m newscrawl run "
                f"-s EXPORTS_DIR=exports -s STATE_URI=state.sqlite -s CONTACT=test@example.org "
                f"{' '.join(map(shlex.quote, args))} >> {shlex.quote(str(log))} 2>&1")
        return in_folder(tmp_path, "sh", "-c", line, polite=True).returncode

    try:
        assert cron("-a", f"start_url={site.url}news/", "-a", "run_id=healthy") == 0, log.read_text()[-3000:]
        text = log.read_text()
        assert "'AUTOTHROTTLE_ENABLED': True" in text and "'CONCURRENT_REQUESTS_PER_DOMAIN': 4" in text
        manifest = json.loads(RunLayout(tmp_path / "exports" / "vpk" / "healthy").manifest.read_text())
        assert manifest["settings"]["USER_AGENT"].endswith("contact: test@example.org)")
        assert cron("-a", f"start_url={site.url}nothing/", "-a", "run_id=unhealthy") == 1  # no listing there
        assert cron("-a", f"start_url={site.url}news/", "-s", "REVISIT_AFTR=1h") == 2
        with lock.open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            assert cron("-a", f"start_url={site.url}news/") == 75
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(("command", "said"), [
    (["scrapy", "crawl", "vpk", "-s", "LOG_LEVEL=LOUD"],
     "newscrawl: LOG_LEVEL='LOUD' cannot be read: expected CRITICAL, ERROR, WARNING, INFO or DEBUG"),
    (["scrapy", "crawl", "vpk", "-s", "EXPORT_DIR=elsewhere"], "newscrawl: -s EXPORT_DIR: no such setting; did you mean EXPORTS_DIR?"),
    (["scrapy", "crawl", "vpkk"], "newscrawl: no spider 'vpkk'; the spiders: vpk"),
    (["scrapy", "parse", "-c", "parse_articl", "http://127.0.0.1:1/news/1_a.html"],
     "newscrawl: the spider vpk has no callback 'parse_articl'; its callbacks: parse, parse_article, parse_comments, parse_listing"),
    (["newscrawl", "dataset", "--dataset-dir", "mine"], "python -m newscrawl: error: unknown argument(s): --dataset-dir mine"),
    (["newscrawl", "evidence"], "python -m newscrawl: error: give one article id or comment id"),
])
def test_a_mistake_on_the_command_line_is_one_line_and_exit_2(tmp_path: Path, command: list[str], said: str) -> None:
    done = in_folder(tmp_path, sys.executable, "-m", *command)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == said and "Traceback" not in done.stderr


def test_a_site_that_cannot_be_reached_is_named_so(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    done = in_folder(tmp_path, sys.executable, "-m", "newscrawl", "run", "-a", f"start_url=http://127.0.0.1:{port}/news/",
                     "-s", "EXPORTS_DIR=exports", "-s", "STATE_URI=state.sqlite", "-s", "RETRY_TIMES=0")
    assert done.returncode == 1
    assert "the site could not be reached: it refuses connections; 0 pages" in done.stderr.strip().splitlines()[-1]
