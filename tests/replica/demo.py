"""``make demo``: serve the replica on a free port, crawl it with the real spider, summarise.

    python -m tests.replica.demo [--articles N] [--day D] [--faults]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.replica.demo", description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--day", type=int, default=0)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--exports", default="exports")
    args = parser.parse_args()

    replica_args = ["--articles", str(args.articles), "--day", str(args.day)] + (["--faults"] if args.faults else [])
    server = subprocess.Popen([sys.executable, "-m", "tests.replica", "--port", "0", *replica_args],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        print(f"Replica ({args.articles} articles, day {args.day}) at {url}")
        run_id = "demo-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as state:  # a demo starts from no state: it shows a full crawl
            crawl = subprocess.run(
                [sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={url}news/", "-a", f"run_id={run_id}",
                 "-s", f"EXPORTS_DIR={args.exports}", "-s", f"STATE_URI={state}/state.sqlite", "-s", "STATE_INIT=1",
                 "-s", "LOG_LEVEL=WARNING"],
                cwd=ROOT,
            )
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait()
    run_dir = ROOT / args.exports / "vpk" / run_id
    stats = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["stats"]
    print(f"\nCrawled in {elapsed:.1f} s: {stats.get('response_received_count', 0)} pages "
          f"({stats.get('newscrawl/browser_pages', 0)} through Chromium), "
          f"{stats.get('item_scraped_count', 0)} items, {stats.get('item_dropped_count', 0)} duplicates dropped.")
    print(f"Exports in {run_dir.relative_to(ROOT) if run_dir.is_relative_to(ROOT) else run_dir}/:")
    for path in sorted(p for p in run_dir.iterdir() if not p.name.startswith(".")):
        records = sum(1 for _ in path.open(encoding="utf-8")) if path.suffix == ".jsonl" else None
        print(f"  {path.name:<16} {path.stat().st_size:>10,} bytes" + (f"  {records:,} records" if records else ""))
    return crawl.returncode


if __name__ == "__main__":
    sys.exit(main())
