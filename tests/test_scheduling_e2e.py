"""Running on a schedule: ``python -m newscrawl run`` and deployment to a real scrapyd."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from newscrawl.layout import RunLayout
from tests.conftest import ROOT, Replica, free_port

pytestmark = pytest.mark.e2e
VENV_BIN = Path(sys.executable).parent


def run_command(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl", "run", *args, "-s", f"EXPORTS_DIR={tmp_path / 'exports'}",
         "-s", f"STATE_URI={tmp_path / 'state.sqlite'}", "-s", f"RUN_LOCK={tmp_path / 'run.lock'}",
         "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_a_healthy_run_exits_0_with_its_manifest(small_replica: Replica, tmp_path: Path) -> None:
    result = run_command(tmp_path, "-a", f"start_url={small_replica.url}news/", "-a", "run_id=cron")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    manifest = json.loads(Path(summary["manifest"]).read_text())
    assert manifest["healthy"] and manifest["finish_reason"] == "finished"
    assert manifest["counts"]["articles"]["new"] == sum(r["_type"] == "article" for r in small_replica.truth())
    assert manifest["settings"]["STATE_URI"] == str(tmp_path / "state.sqlite")
    assert manifest["started_at"] < manifest["finished_at"]


def test_a_run_that_finds_no_articles_exits_1(replica: Replica, tmp_path: Path) -> None:
    result = run_command(tmp_path, "-a", f"start_url={replica.url}no-such-listing/")
    assert result.returncode == 1
    assert "no articles on the listing" in result.stdout


def test_two_runs_never_overlap(replica: Replica, tmp_path: Path) -> None:
    with (tmp_path / "run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_command(tmp_path, "-a", f"start_url={replica.url}news/")
    assert result.returncode == 75
    assert "another run holds" in result.stderr
    assert not (tmp_path / "exports").exists()
    assert json.loads(result.stdout.strip().splitlines()[-1])["exit_status"] == 75


def test_a_refused_run_prints_its_json_line_too(replica: Replica, tmp_path: Path) -> None:
    result = run_command(tmp_path, "-a", f"start_url={replica.url}news/", "-a", "fulll=1")
    assert result.returncode == 2
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["exit_status"] == 2 and "fulll" in summary["problems"][0] and summary["manifest"] is None


def test_with_a_log_file_the_summary_and_verdict_are_in_it(small_replica: Replica, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    result = run_command(tmp_path, "-a", f"start_url={small_replica.url}news/", "-a", "run_id=logged",
                         "-s", f"LOG_FILE={log}")
    assert result.returncode == 0, result.stderr[-2000:]
    text = log.read_text(encoding="utf-8")
    assert "newscrawl: run logged healthy" in text and "left for next run" in text
    assert "healthy" not in result.stderr and "Disabled" not in text  # no warning on an ordinary crawl


def api(base: str, endpoint: str, data: dict[str, str] | list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data else None
    with urllib.request.urlopen(base + endpoint, data=body, timeout=10) as response:
        return json.loads(response.read())


def test_deployed_to_scrapyd_a_scheduled_job_exports(replica_factory: Any, tmp_path: Path) -> None:
    replica = replica_factory("--articles", "10")  # the job runs polite, as deployed: a small site
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {tmp_path / 'eggs'}\n"
        f"logs_dir = {tmp_path / 'logs'}\ndbs_dir = {tmp_path / 'dbs'}\nitems_dir =\nmax_proc = 1\n")
    # scrapyd as deployed: its jobs read the egg's settings, polite by default (not the tests' speed)
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    scrapyd = subprocess.Popen([str(VENV_BIN / "scrapyd")], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                assert api(base, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                time.sleep(0.1)
        deploy = subprocess.run([str(VENV_BIN / "scrapyd-deploy"), "env"], cwd=ROOT, capture_output=True, text=True,
                                env={**env, "SCRAPYD_URL": base}, timeout=120)
        assert deploy.returncode == 0, deploy.stderr
        assert "vpk" in api(base, "listspiders.json?project=newscrawl")["spiders"]
        exports = tmp_path / "exports"
        job = api(base, "schedule.json", [
            ("project", "newscrawl"), ("spider", "vpk"), ("start_url", f"{replica.url}news/"),
            ("setting", f"EXPORTS_DIR={exports}"), ("setting", f"STATE_URI={tmp_path / 'state.sqlite'}")])["jobid"]
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if any(j["id"] == job for j in api(base, "listjobs.json?project=newscrawl")["finished"]):
                break
            time.sleep(0.5)
        run = exports / "vpk" / job  # scrapyd's job id names the run
        manifest = json.loads(RunLayout(run).manifest.read_text())  # listjobs.json carries no exit status
        assert manifest["healthy"], manifest["problems"]
        job_log = next((tmp_path / "logs" / "newscrawl" / "vpk").glob(f"{job}.log")).read_text(encoding="utf-8")
        assert f"newscrawl: run {job} healthy" in job_log  # the verdict in the job's own log
        assert "'AUTOTHROTTLE_ENABLED': True" in job_log and "'CONCURRENT_REQUESTS_PER_DOMAIN': 4" in job_log
        truth = replica.truth()
        assert sum(1 for _ in RunLayout(run).jsonl("article").open()) == sum(r["_type"] == "article" for r in truth)
        assert sum(1 for _ in RunLayout(run).jsonl("comment").open()) == sum(r["_type"] == "comment" for r in truth)
    finally:
        scrapyd.terminate()
        scrapyd.wait(timeout=10)


@pytest.mark.parametrize(("setting", "accepted"), [
    ("REVISIT_AFTER=banana", "durations"), ("CONCURRENT_REQUESTS=abc", "whole number"),
    ("DOWNLOAD_TIMEOUT=x", "a number"), ("HEALTH_MAX_ERROR_RATE=lots", "share"),
    ("STATE_URI=postgres://user:secret@db/archive", "SQLite"), ("FULL_WALK_EVERY=7 days", "duration"),
])
def test_a_setting_that_cannot_be_read_stops_the_run_before_it_starts(tmp_path: Path, setting: str,
                                                                      accepted: str) -> None:
    result = subprocess.run([sys.executable, "-m", "newscrawl", "run", "-a", "start_url=http://127.0.0.1:9/news/",
                             "-s", f"EXPORTS_DIR={tmp_path / 'exports'}", "-s", f"RUN_LOCK={tmp_path / 'run.lock'}",
                             "-s", f"STATE_URI={tmp_path / 'state.sqlite'}", "-s", setting],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("newscrawl:")]
    assert setting.split("=")[0] in line and accepted in line and "secret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "exports").exists() and not (tmp_path / "state.sqlite").exists()
    if (tmp_path / "run.lock").exists():  # no lock left behind
        with (tmp_path / "run.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
