"""``python -m tests.replica``: serve the replica, or print its ground truth as JSONL."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime

from tests.replica.habits import COMMENTS_PER_PAGE, DOWN_KINDS, MODERATION_TEXT, Habits
from tests.replica.markups import MARKUPS
from tests.replica.server import LIES, Site, serve
from tests.replica.truth import records
from tests.replica.world import DAY0_NOW, FUTURE_DAYS, build_world


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.replica", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port (default 8000)")
    parser.add_argument("--articles", type=int, default=200, help="generated articles (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day", type=int, default=0, choices=range(FUTURE_DAYS + 1), metavar=f"0..{FUTURE_DAYS}",
                        help="show the site as it is this many days after day 0")
    parser.add_argument("--now", type=datetime.fromisoformat, default=DAY0_NOW,
                        help=f"day 0's moment, ISO 8601 with offset (default {DAY0_NOW.isoformat()})")
    parser.add_argument("--js-share", type=float, default=0.1,
                        help="share of articles whose comments only JavaScript renders (default 0.1)")
    parser.add_argument("--sidebar-size", type=int, default=15,
                        help="threads the \"Обсуждаемое\" sidebar shows (default 15; 0: none)")
    parser.add_argument("--faults", action="store_true", help="errors, slow and broken responses")
    parser.add_argument("--lie", action="append", default=[], choices=sorted(LIES),
                        help="pages that lie, on a share of the pages, for as long as the replica runs "
                             "(repeatable): " + "; ".join(f"{k}: {v}" for k, v in LIES.items()))
    parser.add_argument("--redesign", action="store_true",
                        help="the site renames the classes of the fields inside articles and comments")
    parser.add_argument("--comments-per-page", type=int, default=COMMENTS_PER_PAGE, metavar="N",
                        help=f"comments a thread's page holds (default {COMMENTS_PER_PAGE})")
    parser.add_argument("--newest-first", action="store_true", help="threads listed newest first")
    parser.add_argument("--moderated", type=int, default=0, metavar="PERCENT",
                        help="comments standing as a moderator's placeholder, no author (default 0)")
    parser.add_argument("--moderation-text", default=MODERATION_TEXT, help="the placeholder's words")
    parser.add_argument("--comments-down", choices=DOWN_KINDS, action="append", default=[],
                        help="article pages whose comments block is empty (or missing), counters at 0; "
                             "given twice, each article down shows one of them")
    parser.add_argument("--comments-down-share", type=int, default=25, metavar="PERCENT",
                        help="of the articles with comments, for --comments-down (default 25)")
    parser.add_argument("--markup", choices=sorted(MARKUPS), help="the site redesigned: its pages in another markup")
    parser.add_argument("--markup-from-day", type=int, default=0, metavar="D",
                        help="with --markup: the first day the site shows it (default 0)")
    parser.add_argument("--hostile", action="store_true",
                        help="one article's comments start with formulas, carry markup and control characters")
    parser.add_argument("--dump-truth", action="store_true", help="print the expected records and exit")
    parser.add_argument("--base-url", default=None, help="with --dump-truth: the URL the site is served at")
    args = parser.parse_args(argv)
    if args.now.tzinfo is None:
        parser.error("--now needs an offset, e.g. 2018-09-16T12:00:00+03:00")

    world = build_world(args.articles, args.seed, args.now, args.js_share, hostile=args.hostile)
    habits = Habits(per_page=args.comments_per_page, newest_first=args.newest_first,
                    moderated_share=args.moderated, moderation_text=args.moderation_text,
                    comments_down=tuple(args.comments_down), down_share=args.comments_down_share,
                    markup=args.markup if args.day >= args.markup_from_day else None)
    view = world.view(world.now(args.day), sidebar_size=args.sidebar_size, habits=habits)
    if args.dump_truth:
        base = (args.base_url or f"http://127.0.0.1:{args.port}").rstrip("/")
        for record in records(view, base):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    try:
        asyncio.run(serve(Site(view, faults=args.faults, lies=frozenset(args.lie), redesign=args.redesign), args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
