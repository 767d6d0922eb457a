"""``make bench-archive``: what the WARC archive costs, and how fast a re-extraction reads it back.

    python -m bench.archive [--articles 50000]

Crawls the replica (no JavaScript-only comments) with newscrawl, stops the replica, and
re-extracts the run from its archive with ``python -m newscrawl reextract -j 1`` and ``-j 2``, on
the same pages. Prints the speeds in pages a second, the speed-up of the workers, and the
archive's size per 1,000 articles.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newscrawl.pages.vpk import SPIDER

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{command[:4]} failed:\n{result.stderr[-3000:]}")
    return time.monotonic() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.archive", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="re-extract with each of these -j")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        exports, state = Path(folder) / "exports", Path(folder) / "state.sqlite"
        settings = ["-s", f"EXPORTS_DIR={exports}", "-s", f"STATE_URI={state}", "-s", "LOG_LEVEL=WARNING"]
        replica = subprocess.Popen([sys.executable, "-m", "tests.replica", "--port", "0", "--articles",
                                    str(args.articles), "--js-share", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert replica.stdout is not None
        url = replica.stdout.readline().strip()
        try:
            live, _ = timed([sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"start_url={url}news/",
                             "-a", "run_id=live", *settings])
        finally:
            replica.terminate()
            replica.wait()
        run = json.loads((exports / SPIDER / "live" / "manifest.json").read_text())
        speeds = {}
        for jobs in args.jobs:  # each on a copy of the state the live crawl left
            copy = Path(folder) / f"state-{jobs}.sqlite"
            shutil.copy(state, copy)
            again, result = timed([sys.executable, "-m", "newscrawl", "reextract", "--runs", "live", "-j", str(jobs),
                                   *settings, "-s", f"STATE_URI={copy}"])
            redone = json.loads(Path(json.loads(result.stdout.strip().splitlines()[-1])["manifest"]).read_text())
            speeds[jobs] = redone["counts"]["pages"] / again
            print(f"re-extraction -j {jobs}: {redone['counts']['pages']:,} pages in {again:.0f} s: "
                  f"{speeds[jobs]:.0f} pages/s (whole command, the site stopped)")
    pages, size = run["counts"]["pages"], run["archive"]["bytes"]
    print(f"live crawl:    {pages:,} pages in {live:.0f} s: {pages / live:.0f} pages/s (whole command)")
    if 1 in speeds and len(speeds) > 1:
        print("re-extraction speed-up: " + ", ".join(f"-j {j}: {v / speeds[1]:.2f}x" for j, v in speeds.items() if j != 1))
    print(f"archive: {run['archive']['records']:,} records, {size / 2**20:.1f} MB, "
          f"{size / 2**20 / (args.articles / 1000):.1f} MB per 1,000 articles")


if __name__ == "__main__":
    main()
