"""The distributed rows of ``make bench``: a shared crawl of the replica by one worker, then by two.

Each run starts from an empty Redis (a real ``redis-server`` on a free port) and a new crawl
(``python -m newscrawl distributed seed``); its workers are ``scrapy crawl vpk -s REDIS_URL=…``
processes started together. Pages per second are all workers' pages over the wall time from the
first start to the last exit; the replica's and Redis's CPU shares are of that time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.processes import cpu_seconds, start_replica
from newscrawl.pages.vpk import SPIDER

ROOT = Path(__file__).resolve().parent.parent


def distributed_benchmark(articles: int, work: Path, counts: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    replica, url = start_replica("--articles", str(articles), "--js-share", "0")
    redis, redis_url = _redis_server()
    try:
        rows = {}
        for workers in counts:
            subprocess.run(["redis-cli", "-u", redis_url, "FLUSHALL"], check=True, capture_output=True)
            subprocess.run([sys.executable, "-m", "newscrawl", "distributed", "seed", "--start-url", f"{url}news/",
                            "-s", f"REDIS_URL={redis_url}"], cwd=ROOT, check=True, capture_output=True)
            folder = Path(tempfile.mkdtemp(dir=work))
            before = {"replica": cpu_seconds(replica.pid), "redis": cpu_seconds(redis.pid)}
            started = time.monotonic()
            procs = [subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"run_id=w{n}",
                                       "-s", f"REDIS_URL={redis_url}", "-s", f"EXPORTS_DIR={folder}",
                                       "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE) for n in range(workers)]
            cpu = 0.0
            for proc in procs:
                _, status, usage = os.wait4(proc.pid, 0)
                if status:
                    raise RuntimeError(f"worker failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
                cpu += usage.ru_utime + usage.ru_stime
            wall = time.monotonic() - started
            manifests = [json.loads(path.read_text()) for path in (folder / SPIDER).glob("*/manifest.json")]
            pages = sum(m["stats"].get("response_received_count", 0) for m in manifests)
            rows[str(workers)] = {
                "workers": workers, "pages": pages, "wall_s": wall, "pages_per_s": pages / wall,
                "cpu_ms_per_page": 1000 * cpu / max(pages, 1),
                "pages_per_worker": [m["stats"].get("response_received_count", 0) for m in manifests],
                "replica_cpu_share": (cpu_seconds(replica.pid) - before["replica"]) / wall,
                "redis_cpu_share": (cpu_seconds(redis.pid) - before["redis"]) / wall,
            }
            print(f"  distributed, {workers} worker(s): {rows[str(workers)]['pages_per_s']:.0f} pages/s, "
                  f"{pages} pages in {wall:.1f} s", flush=True)
    finally:
        for proc in (replica, redis):
            proc.terminate()
            proc.wait()
    first, last = rows[str(counts[0])], rows[str(counts[-1])]
    return {"articles": articles, "rows": rows, "speedup": last["pages_per_s"] / first["pages_per_s"]}


def _redis_server() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def print_rows(result: dict[str, Any]) -> None:
    print(f"\nShared crawl of {result['articles']} articles through Redis (scrapy-redis)")
    print(f"{'workers':<10} {'pages/s':>8} {'wall s':>8} {'CPU ms/page':>12} {'replica CPU':>12} {'redis CPU':>10}")
    for row in result["rows"].values():
        print(f"{row['workers']:<10} {row['pages_per_s']:8.0f} {row['wall_s']:8.1f} {row['cpu_ms_per_page']:12.2f} "
              f"{row['replica_cpu_share']:11.0%} {row['redis_cpu_share']:9.0%}")
    print(f"2 workers / 1 worker: {result['speedup']:.2f} (this machine has {os.cpu_count()} cores, which the "
          "workers, the replica and Redis share)")
