"""``python -m newscrawl COMMAND``: newscrawl's commands, the same as ``scrapy COMMAND`` in the
project (``newscrawl/commands/``, ``COMMANDS_MODULE``).

    python -m newscrawl run [-a NAME=VALUE]... [-s NAME=VALUE]...
    python -m newscrawl dataset [-s NAME=VALUE]...
    python -m newscrawl reextract [--runs ID,ID|all] [-j N] [-s NAME=VALUE]...
    python -m newscrawl evidence ID [-s EXPORTS_DIR=…]
    python -m newscrawl learn --run ID | --url URL --record FILE [-s NAME=VALUE]...
    python -m newscrawl browse [--port 8001] [-s DATASET_DIR=…]
    python -m newscrawl distributed seed|status [--start-url URL] [--wait] -s REDIS_URL=redis://…

and Scrapy's own (``crawl``, ``shell``, ``parse``, ``check``, …); ``python -m newscrawl`` lists them.
Each exits with its own status (``scrapy run`` and ``crawl``: 0 healthy, 1 unhealthy, 2 refused,
75 locked, 130 interrupted).
"""

from __future__ import annotations

import sys

from scrapy.cmdline import execute


def main(argv: list[str] | None = None) -> None:
    """Runs the command and exits with its status."""
    arguments = sys.argv[1:] if argv is None else argv
    sys.argv[0] = "python -m newscrawl"  # what a usage error names
    execute(["scrapy", *arguments])


if __name__ == "__main__":
    main()
