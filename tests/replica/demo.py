"""``make demo``: serve the replica on a free port, crawl it with the real spider, build the
dataset, summarise.

    python -m tests.replica.demo [--articles N] [--day D] [--faults] [--folder demo]

Everything the demo makes stays in its own folder (``demo/``: ``exports/``, ``state.sqlite``,
``dataset/``), replaced by the next demo: your own ``exports/`` and ``.state/`` are never touched,
so the README's next command, a crawl of your own, starts from nothing as a first run should.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.settings import speed_args

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.replica.demo", description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--day", type=int, default=0)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--folder", type=Path, default=ROOT / "demo", help="the demo's own folder (replaced)")
    args = parser.parse_args()
    folder = args.folder.resolve()
    shutil.rmtree(folder, ignore_errors=True)  # a second demo replaces the first
    exports, state, dataset = folder / "exports", folder / "state.sqlite", folder / "dataset"

    replica_args = ["--articles", str(args.articles), "--day", str(args.day)] + (["--faults"] if args.faults else [])
    server = subprocess.Popen([sys.executable, "-m", "tests.replica", "--port", "0", *replica_args],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        print(f"Replica ({args.articles} articles, day {args.day}) at {url}")
        run_id = "demo-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        started = time.monotonic()
        crawl = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "vpk", "-a", f"start_url={url}news/", "-a", f"run_id={run_id}",
             "-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}", "-s", f"RUN_LOCK={folder / 'run.lock'}",
             "-s", "LOG_LEVEL=WARNING", *speed_args()],
            cwd=ROOT,
        )
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait()
    run_dir = exports / "vpk" / run_id
    stats = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["stats"]
    print(f"\nCrawled in {elapsed:.1f} s: {stats.get('response_received_count', 0)} pages "
          f"({stats.get('newscrawl/browser_pages', 0)} through Chromium), "
          f"{stats.get('item_scraped_count', 0)} items, {stats.get('item_dropped_count', 0)} duplicates dropped.")
    print(f"Exports in {_shown(run_dir)}/:")
    for path in sorted(p for p in run_dir.iterdir() if not p.name.startswith(".")):
        records = sum(1 for _ in path.open(encoding="utf-8")) if path.suffix == ".jsonl" else None
        print(f"  {path.name:<16} {path.stat().st_size:>10,} bytes" + (f"  {records:,} records" if records else ""))
    built = subprocess.run([sys.executable, "-m", "newscrawl", "dataset", "-s", f"EXPORTS_DIR={exports}",
                            "-s", f"DATASET_DIR={dataset}"], cwd=ROOT)
    print(f"\nThe demo kept to {_shown(folder)}/ (its exports, state and dataset; the next demo replaces "
          "it): your exports/ and .state/ are untouched.\nBrowse and search its dataset in a browser: "
          f"make browse ARGS='-s DATASET_DIR={_shown(dataset)}'\nNext, a crawl of your own: serve the replica "
          "(.venv/bin/python -m tests.replica --port 8000 &) and run\n"
          "  .venv/bin/scrapy crawl vpk -a start_url=http://127.0.0.1:8000/news/\n"
          "(a trial: it writes to trial/, never to the archive in exports/; see the README's \"Going live\")")
    return crawl.returncode or built.returncode


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


if __name__ == "__main__":
    sys.exit(main())
