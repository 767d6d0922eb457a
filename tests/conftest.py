"""Fixtures that run the real things: the replica over HTTP, and ``scrapy crawl`` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newscrawl.layout import RunLayout

ROOT = Path(__file__).resolve().parent.parent
# Every process the tests start reads the settings with the speed asked for against the replica.
os.environ["SCRAPY_SETTINGS_MODULE"] = "tests.settings"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Replica:
    url: str
    args: list[str]

    def truth(self) -> list[dict[str, Any]]:
        """The replica's ground truth for exactly this server's arguments."""
        out = subprocess.run(
            [sys.executable, "-m", "tests.replica", "--dump-truth", "--base-url", self.url.rstrip("/"), *self.args],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
        return [json.loads(line) for line in out.splitlines()]


def start_replica(*args: str) -> tuple[Replica, subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.replica", "--port", "0", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    first_line = proc.stdout.readline().strip()
    if not first_line.startswith("http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError(f"replica did not start: {first_line!r} {proc.stderr.read() if proc.stderr else ''}")
    return Replica(first_line, list(args)), proc


@pytest.fixture(scope="session")
def replica_factory() -> Iterator[Callable[..., Replica]]:
    """Start a replica with the given arguments, once per argument list per test session."""
    running: dict[tuple[str, ...], tuple[Replica, subprocess.Popen[str]]] = {}

    def get(*args: str) -> Replica:
        if args not in running:
            running[args] = start_replica(*args)
        return running[args][0]

    yield get
    for _, proc in running.values():
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def replica(replica_factory: Callable[..., Replica]) -> Replica:
    """The default replica: seed article plus 200 generated, day 0, no faults."""
    return replica_factory()


@pytest.fixture(scope="session")
def small_replica(replica_factory: Callable[..., Replica]) -> Replica:
    """Five articles and the seed, no browser: for tests of how a run starts and ends, not of its
    pages (a crawl's CPU is the suite's time)."""
    return replica_factory("--articles", "5", "--js-share", "0")


@pytest.fixture(scope="session")
def forty_replica(replica_factory: Callable[..., Replica]) -> Replica:
    """Forty articles and the seed: several listing pages, comment pages, the sidebar and the
    browser's pages, for a test whose promise is not the site's size."""
    return replica_factory("--articles", "40")


@dataclass
class CrawlResult:
    run_dir: Path
    returncode: int
    log: str

    def records(self, name: str) -> list[dict[str, Any]]:
        with open(self.run_dir / f"{name}.jsonl", encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    @property
    def stats(self) -> dict[str, Any]:
        return json.loads(RunLayout(self.run_dir).manifest.read_text(encoding="utf-8"))["stats"]


def run_crawl(start_url: str, exports: Path, *extra: str, run_id: str = "test", env: dict[str, str] | None = None,
              timeout: float = 300) -> CrawlResult:
    """``scrapy crawl vpk`` as a user runs it, in its own process (one reactor per crawl)."""
    state = exports.parent / f"{exports.name}-state.sqlite"  # each test starts from no state, unless it says
    command = [sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={start_url}",
               "-a", f"run_id={run_id}", "-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}",
               "-s", "LOG_LEVEL=INFO", *extra]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    return CrawlResult(exports / "vpk" / run_id, proc.returncode, proc.stderr)


@pytest.fixture
def crawl(tmp_path: Path) -> Callable[..., CrawlResult]:
    def go(start_url: str, *extra: str, **kwargs: Any) -> CrawlResult:
        return run_crawl(start_url, tmp_path / "exports", *extra, **kwargs)

    return go


@pytest.fixture(scope="session")
def day0_crawl(replica: Replica, tmp_path_factory: pytest.TempPathFactory) -> tuple[Replica, CrawlResult]:
    """One crawl of the default replica, shared by the tests that only read its output."""
    result = run_crawl(replica.url + "news/", tmp_path_factory.mktemp("exports"))
    assert result.returncode == 0, result.log[-3000:]
    return replica, result


# --- the archive as a whole: every run's exports together --------------------------------------

Key = tuple[str, str]


def record_key(record: dict[str, Any]) -> Key:
    kind = record.get("_type") or ("article" if "title" in record else "comment")
    return kind, record["article_id"] if kind == "article" else record["comment_id"]


def run_records(folder: Path) -> list[dict[str, Any]]:
    """A run's JSONL records; every line must parse, and each CSV must hold the same rows."""
    import pandas as pd

    records = []
    for name in ("articles", "comments"):
        lines = (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() \
            if (folder / f"{name}.jsonl").exists() else []
        records += [json.loads(line) for line in lines]
        csv = folder / f"{name}.csv"
        if csv.exists() and csv.stat().st_size:
            frame = pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
            assert list(frame.columns)[:2] == (["article_id", "url"] if name == "articles" else ["article_id", "comment_id"])
            assert len(frame) == len(lines), f"{csv}: {len(frame)} rows, {len(lines)} JSONL lines"
            assert not frame.isin(list(frame.columns)).all(axis=1).any(), f"{csv}: a second header"
        else:
            assert not lines, f"{csv} is empty but the JSONL holds {len(lines)} lines"
    return records


def dataset_records(dataset: Path, name: str) -> list[dict[str, Any]]:
    """The dataset's ``articles`` or ``comments`` as they stand: ``<name>.jsonl/``'s files, one a month."""
    return [json.loads(line) for part in sorted((dataset / f"{name}.jsonl").glob("*.jsonl"))
            for line in part.open(encoding="utf-8")]


def archive(exports: Path) -> dict[Key, list[dict[str, Any]]]:
    """Every record of every run under ``exports``, by item."""
    found: dict[Key, list[dict[str, Any]]] = {}
    for folder in sorted((exports / "vpk").iterdir()):
        if folder.is_dir():
            for record in run_records(folder):
                found.setdefault(record_key(record), []).append(record)
    return found


def assert_archive_is_truth(exports: Path, replica: Replica) -> None:
    """Every article and comment of the truth exactly once across all runs, as the truth says."""
    found = archive(exports)
    twice = [k for k, records in found.items() if len(records) > 1]
    assert twice == [], f"{len(twice)} items exported more than once, e.g. {twice[:3]}"
    truth = {record_key(r): {k: v for k, v in r.items() if k not in ("_type", "page_url")} for r in replica.truth()}
    missing, extra = set(truth) - set(found), set(found) - set(truth)
    assert not missing and not extra, f"{len(missing)} missing (e.g. {sorted(missing)[:3]}), {len(extra)} extra"
    wrong = [k for k, want in truth.items() if {f: found[k][0][f] for f in want} != want]
    assert wrong == [], f"{len(wrong)} items differ from the truth, e.g. {wrong[:3]}"


class Site:
    """The replica on one port, moved from day to day as a real site moves."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.args = args
        self.proc: subprocess.Popen[str] | None = None
        self.replica: Replica | None = None

    def day(self, day: int) -> Replica:
        self.stop()
        self.replica, self.proc = start_replica("--port", str(self.port), "--day", str(day), *self.args)
        return self.replica

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    yield site
    site.stop()


class SmallDisk:
    """A tmpfs of a chosen size, mounted for a test: a full disk, for real (as root, or through
    ``sudo -n`` otherwise; the project's CI runs as root)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]

    def mount(self, size: str) -> None:
        self.path.mkdir(exist_ok=True)
        result = subprocess.run([*self.sudo, "mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)],
                                capture_output=True, text=True)
        if result.returncode:
            pytest.fail(f"cannot mount a tmpfs for the full-disk test (needs root or sudo): {result.stderr.strip()}")

    def resize(self, size: str) -> None:
        subprocess.run([*self.sudo, "mount", "-o", f"remount,size={size}", str(self.path)], check=True)

    def unmount(self) -> None:
        subprocess.run([*self.sudo, "umount", "-l", str(self.path)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    disk = SmallDisk(tmp_path / "disk")
    yield disk
    disk.unmount()


class RedisServer:
    """A real ``redis-server`` on a free port of 127.0.0.1, nothing saved to disk; with ``user`` and
    ``password`` an ACL user, with ``tls`` a self-signed certificate (openssl) and TLS only."""

    def __init__(self, user: str | None = None, password: str | None = None, tls: Path | None = None) -> None:
        self.port = free_port()
        args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        if user and password:
            args += ["--user", user, "on", f">{password}", "~*", "&*", "+@all", "--user", "default", "off"]
        query = ""
        if tls:
            cert, key = tls / "redis.crt", tls / "redis.key"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                            "-out", str(cert)], check=True, capture_output=True)
            args += ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(cert), "--tls-key-file",
                     str(key), "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no"]
            query = f"?ssl_ca_certs={cert}"
        else:
            args += ["--port", str(self.port)]
        self.proc = subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL)
        credentials = f"{user}:{password}@" if user and password else ""
        self.url = f"{'rediss' if tls else 'redis'}://{credentials}127.0.0.1:{self.port}/0{query}"
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


def word_in_most_forms(texts: Iterable[str]) -> tuple[str, list[str]]:
    """The stem the texts write in most forms (stop words aside), and those forms, sorted: a
    search in one form must find the others (``archive.sqlite``'s Russian stems)."""
    from newscrawl.archive.search import stem_text

    forms: dict[str, set[str]] = {}
    for text in texts:
        for word in re.findall(r"[а-яё]{5,}", text.lower()):
            if stem_text(word):  # not a stop word
                forms.setdefault(stem_text(word), set()).add(word)
    stem, words = max(forms.items(), key=lambda item: len(item[1]))  # the first seen of the most
    return stem, sorted(words)


@contextmanager
def browse_server(dataset: Path, port: int | None = None, said: list[str] | None = None) -> Iterator[str]:
    """``python -m newscrawl browse`` over ``dataset``, once it answers: its URL (the tests' and
    ``docs/screenshots.py``'s). ``said``: filled with what the server printed on stderr, once stopped."""
    port = port or free_port()
    server = subprocess.Popen([sys.executable, "-m", "newscrawl", "browse", "--port", str(port), "-s",
                               f"DATASET_DIR={dataset}"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/-/versions.json", timeout=2)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
        if said is not None:
            said.extend(stderr.strip().splitlines())


def sqlite_content(path: Path) -> dict[str, Any]:
    """Every table of archive.sqlite as sorted rows (rowids aside), and what a search finds."""
    db = sqlite3.connect(path)
    try:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE '%fts%' AND name NOT LIKE 'sqlite_%'")]
        content: dict[str, Any] = {name: sorted(map(repr, db.execute(f"SELECT * FROM {name}"))) for name in tables}
        content["search"] = sorted(db.execute(
            "SELECT c.comment_id, f.text FROM comments_fts f JOIN comments c ON c.rowid = f.rowid"))
    finally:
        db.close()
    return content


# A build of the dataset killed inside its archive.sqlite update, once the update's pages reach
# the file (a large update's do before it commits; a one-page cache makes a small one's do too).
_KILLED_INSIDE_THE_UPDATE = """
import sqlite3, sys, time
from pathlib import Path
from newscrawl.archive import archivedb
from newscrawl.archive.dataset import Builder

connect = sqlite3.connect
def small_cache(*args, **kwargs):
    db = connect(*args, **kwargs)
    db.execute("PRAGMA cache_size=1")
    return db
def killed_here(db):
    print("inside the update", flush=True)
    time.sleep(600)
sqlite3.connect, archivedb._summarise = small_cache, killed_here
Builder(Path(sys.argv[1]), Path(sys.argv[2]), sqlite=True).build()
"""


def kill_inside_sqlite_update(runs: Path, out: Path) -> None:
    """Build the dataset ``out`` of ``runs`` in a process killed (SIGKILL) inside its update of
    ``archive.sqlite``, with the update's pages in the file and its rollback journal beside it."""
    from newscrawl.archive.dataset import shared_archive_db

    killed = subprocess.Popen([sys.executable, "-c", _KILLED_INSIDE_THE_UPDATE, str(runs), str(out)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout is not None and killed.stdout.readline().strip() == "inside the update"
    finally:
        killed.kill()
        killed.wait()
    journal = Path(f"{shared_archive_db(out)}-journal")
    assert journal.is_file() and journal.stat().st_size, "premise: the killed update left its rollback journal"


def write_run(runs: Path, run_id: str, started_at: str, articles: list[dict[str, Any]],
              comments: list[dict[str, Any]]) -> None:
    """A run folder as a run leaves it (its JSONL and manifest), for the dataset's builder; each
    record's run fields default to a first sighting at ``started_at``."""
    from newscrawl.layout import RunLayout

    seen = {"crawled_at": started_at, "version": 1, "first_seen_at": started_at, "last_seen_at": started_at}
    layout = RunLayout(runs / run_id)
    layout.folder.mkdir(parents=True)
    for kind, records in (("article", articles), ("comment", comments)):
        layout.jsonl(kind).write_text("".join(json.dumps({**seen, **r}, ensure_ascii=False) + "\n" for r in records),
                                      encoding="utf-8")
    layout.manifest.write_text(json.dumps({"run_id": run_id, "started_at": started_at}))

