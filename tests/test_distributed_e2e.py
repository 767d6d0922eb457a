"""A shared crawl: worker processes against the replica through a real redis-server.

Each worker is a ``scrapy crawl vpk -s REDIS_URL=…`` of its own, with its own run folder; the
union of their exports must be the replica's truth, every item exactly once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from newscrawl import statkeys
from newscrawl.distributed.keys import CrawlKeys
from newscrawl.layout import RunLayout
from tests.conftest import ROOT, RedisServer, Replica, archive, assert_archive_is_truth, run_crawl

pytestmark = pytest.mark.e2e
DEPRECATED = ("ScrapyDeprecationWarning", "Spider.log() is deprecated", "is deprecated")


def newscrawl(redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newscrawl", *args, "-s", f"REDIS_URL={redis_url}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def worker(redis_url: str, exports: Path, run_id: str, *extra: str) -> subprocess.Popen[str]:
    log = (exports.parent / f"{run_id}.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"run_id={run_id}",
                             "-s", f"REDIS_URL={redis_url}", "-s", f"EXPORTS_DIR={exports}", "-s", "LOG_LEVEL=INFO",
                             "-s", "DISTRIBUTED_LEASE_TTL=3", "-s", "STATE_COMMIT_EVERY=100", *extra],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True)


def finish(*workers: subprocess.Popen[str], timeout: float = 240) -> list[int]:
    return [w.wait(timeout=timeout) for w in workers]


def seed(redis_url: str, replica: Replica) -> None:
    seeded = newscrawl(redis_url, "distributed", "seed", "--start-url", replica.url + "news/")
    assert seeded.returncode == 0, seeded.stderr


def manifest(exports: Path, run_id: str) -> dict:
    return json.loads(RunLayout(exports / "vpk" / run_id).manifest.read_text(encoding="utf-8"))


def test_two_workers_share_one_crawl_and_their_exports_are_the_truth(replica: Replica, tmp_path: Path,
                                                                     redis_server: RedisServer) -> None:
    exports = tmp_path / "exports"
    seed(redis_server.url, replica)
    assert newscrawl(redis_server.url, "distributed", "status").returncode == 3  # seeded, not finished
    slower = ("-s", "CONCURRENT_REQUESTS=4")  # a crawl long enough for both to join, however loaded the machine
    assert finish(worker(redis_server.url, exports, "one", *slower), worker(redis_server.url, exports, "two", *slower)) \
        == [0, 0]
    assert_archive_is_truth(exports, replica)
    for run_id in ("one", "two"):
        found = manifest(exports, run_id)
        assert found["healthy"] and found["stats"].get("response_received_count", 0) > 10, run_id
        log = (tmp_path / f"{run_id}.log").read_text()
        assert not [line for line in log.splitlines() if any(d in line for d in DEPRECATED)], run_id
        assert "no CONTACT is set" not in log, run_id  # the seeded site is on this machine
    status = newscrawl(redis_server.url, "distributed", "status")
    assert status.returncode == 0 and "finished at" in status.stderr and "in flight 0" in status.stderr, status.stderr


def test_a_worker_killed_mid_crawl_loses_nothing_and_nothing_comes_twice(replica: Replica, tmp_path: Path,
                                                                         redis_server: RedisServer) -> None:
    exports = tmp_path / "exports"
    seed(redis_server.url, replica)
    slower = ("-s", "CONCURRENT_REQUESTS=4")
    comments, leases = RunLayout(exports / "vpk" / "doomed").jsonl("comment"), CrawlKeys("vpk").leases("doomed")
    server, deadline = redis.Redis.from_url(redis_server.url), time.monotonic() + 120
    doomed = worker(redis_server.url, exports, "doomed", *slower)
    while not server.hlen(leases):  # the doomed worker first, holding the listing: it has work to die with
        assert time.monotonic() < deadline and doomed.poll() is None, "the doomed worker took no request"
        time.sleep(0.02)
    survivor = worker(redis_server.url, exports, "survivor", *slower)
    held = 0
    while not held:  # mid-crawl: past its first commits, holding requests
        assert time.monotonic() < deadline and doomed.poll() is None, "the doomed worker never got mid-crawl"
        time.sleep(0.02)
        if comments.exists() and comments.stat().st_size > 200_000:
            doomed.send_signal(signal.SIGSTOP)  # frozen: it can release no lease between the count and the kill
            held = server.hlen(leases)
            if not held:
                doomed.send_signal(signal.SIGCONT)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert finish(survivor) == [0]
    # The doomed worker's requests were put back by the survivor; its run folder still holds
    # items it never committed: the next worker on its machine cuts them back.
    assert manifest(exports, "survivor")["stats"].get(statkeys.DISTRIBUTED_PUT_BACK, 0) == held
    assert finish(worker(redis_server.url, exports, "restarted")) == [0]
    assert manifest(exports, "doomed")["finish_reason"] == "killed"
    assert_archive_is_truth(exports, replica)
    assert archive(exports) and RunLayout(exports / "vpk" / "doomed").csv("comment").exists()


def test_a_worker_over_tls_with_a_password_writes_it_nowhere(small_replica, tmp_path: Path) -> None:
    replica = small_replica
    (tmp_path / "tls").mkdir()
    server = RedisServer(user="worker", password="s3cret-pass", tls=tmp_path / "tls")
    try:
        assert server.url.startswith("rediss://worker:s3cret-pass@")
        exports = tmp_path / "exports"
        seed(server.url, replica)
        assert finish(worker(server.url, exports, "one", "-s", "LOG_LEVEL=DEBUG")) == [0]
        assert_archive_is_truth(exports, replica)
        status = newscrawl(server.url, "distributed", "status")
        assert status.returncode == 0, status.stderr
        texts = [(tmp_path / "one.log").read_text(), status.stderr,
                 *(path.read_text(errors="replace") for path in (exports / "vpk" / "one").iterdir() if path.is_file())]
        assert all("s3cret-pass" not in text for text in texts)
        assert manifest(exports, "one")["settings"]["REDIS_URL"].startswith("rediss://***@127.0.0.1")
    finally:
        server.stop()


def test_a_worker_that_loses_redis_closes_with_one_line_and_exit_status_1(replica: Replica, tmp_path: Path) -> None:
    server = RedisServer()
    exports = tmp_path / "exports"
    seed(server.url, replica)
    lone = worker(server.url, exports, "lone", "-s", "CONCURRENT_REQUESTS=2")
    comments = RunLayout(exports / "vpk" / "lone").jsonl("comment")
    deadline = time.monotonic() + 120
    while not (comments.exists() and comments.stat().st_size > 100_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    server.stop()  # mid-crawl
    assert finish(lone, timeout=120) == [1]
    log = (tmp_path / "lone.log").read_text()
    assert log.count("Lost the shared crawl's Redis") == 1
    assert manifest(exports, "lone")["finish_reason"] == "redis_unavailable"


def test_status_wait_ends_with_exit_4_when_no_worker_is_alive_while_work_waits(replica: Replica,
                                                                               redis_server: RedisServer) -> None:
    seed(redis_server.url, replica)
    waited = newscrawl(redis_server.url, "distributed", "status", "--wait", "-s", "DISTRIBUTED_LEASE_TTL=2")
    assert waited.returncode == 4 and "no worker alive for 2 s" in waited.stderr


def test_the_readme_recipe_works_in_a_checkout_with_earlier_runs(small_replica: Replica, tmp_path: Path,
                                                                 redis_server: RedisServer) -> None:
    """Runs of a crawl on its own in exports/: a worker there is refused, naming the way out; with
    exports of its own, as the recipe gives them, it crawls."""
    replica = small_replica
    solo = run_crawl(replica.url + "news/", tmp_path / "exports", "-s", f"STATE_URI={tmp_path / 'solo.sqlite'}",
                     run_id="solo")
    assert solo.returncode == 0, solo.log[-2000:]
    seed(redis_server.url, replica)
    refused = worker(redis_server.url, tmp_path / "exports", "w0")
    assert refused.wait(timeout=60) == 2
    assert "-s EXPORTS_DIR=exports-shared" in (tmp_path / "w0.log").read_text()
    assert finish(worker(redis_server.url, tmp_path / "exports-shared", "w1")) == [0]
    assert_archive_is_truth(tmp_path / "exports-shared", replica)
