"""What a crawl tells its log: values it could not read, and Scrapy's per-page and per-item lines."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import exceptions
from scrapy.crawler import Crawler
from scrapy.logformatter import LogFormatter, LogFormatterResult

from newscrawl.credentials import mask_credentials


class UnparsedValues:
    """Called by the loaders for a date or counter they cannot read: the field stays null.

    Each value is counted in the stats (``newscrawl/unparsed/<kind>``) and logged once with
    its raw text and the page's URL, so a site change shows without flooding the log.
    """

    def __init__(self, crawler: Crawler, logger: logging.Logger | logging.LoggerAdapter) -> None:
        self.crawler = crawler  # its stats exist only once the crawl starts
        self.logger = logger
        self.logged: set[tuple[str, str]] = set()

    def __call__(self, kind: str, raw: str, url: str) -> None:
        self.crawler.stats.inc_value(f"newscrawl/unparsed/{kind}")
        if (kind, raw) not in self.logged:
            self.logged.add((kind, raw))
            self.logger.warning("Could not read %s %r on %s (left null)", kind, raw, url)


class ShownLogFormatter(LogFormatter):
    """Scrapy's log lines, each built only when ``LOG_LEVEL`` shows it.

    Scrapy makes a log record for every page and every item ("Crawled", "Scraped from",
    "Dropped") and leaves it to the handler to discard; over a run of a million comments
    that was 2% of the crawl's CPU. ``-s LOG_LEVEL=DEBUG`` shows them all as before.
    """

    def __init__(self, level: int) -> None:
        self.level = level

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ShownLogFormatter:
        level = crawler.settings.get("LOG_LEVEL")
        if not isinstance(level, int):  # a name; one logging does not know builds every line
            level = logging.getLevelNamesMapping().get(str(level).upper(), logging.NOTSET)
        return cls(level)

    def crawled(self, *args: Any) -> LogFormatterResult | None:
        return super().crawled(*args) if self.level <= logging.DEBUG else None

    def scraped(self, *args: Any) -> LogFormatterResult | None:
        return super().scraped(*args) if self.level <= logging.DEBUG else None

    def dropped(self, *args: Any) -> LogFormatterResult | None:
        result = super().dropped(*args)
        return result if result["level"] >= self.level else None


# A site that is down is news for one line, not a traceback: Scrapy's robots.txt middleware logs
# every download error with its stack.
NETWORK_ERRORS = (exceptions.DownloadConnectionRefusedError, exceptions.CannotResolveHostError,
                  exceptions.DownloadTimeoutError, exceptions.DownloadFailedError, exceptions.ResponseDataLossError,
                  ConnectionError, TimeoutError)


class NetworkErrorsInOneLine(logging.Filter):
    """Drops the stack of a log record whose exception is a network failure; keeps the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS):
            record.exc_info = None
            record.exc_text = None
        return True


class QuietNetworkErrors:
    """An extension that installs ``NetworkErrorsInOneLine`` on the loggers that need it."""

    LOGGERS = ("scrapy.downloadermiddlewares.robotstxt",)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietNetworkErrors:
        for name in cls.LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, NetworkErrorsInOneLine) for f in logger.filters):
                logger.addFilter(NetworkErrorsInOneLine())
        return cls()


class MaskCredentials(logging.Filter):
    """Writes every ``user:password@`` of a URL in a log line as ``***@``: Scrapy logs the
    overridden settings (``STATE_URI``, ``REDIS_URL``) as they were given."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_credentials(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_credentials_in_logs() -> None:
    """On every handler of the root logger (Scrapy's among them), once."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskCredentials) for f in handler.filters):
            handler.addFilter(MaskCredentials())

