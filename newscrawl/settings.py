"""newscrawl's settings: every default in one place, grouped by concern.

Override any of them per run with ``-s NAME=value``.
"""

from newscrawl.items import Article, Comment, field_names

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Identity and politeness -------------------------------------------------------------------
USER_AGENT = "newscrawl/0.1 (+research archive of vpk.name; contact: see README)"
ROBOTSTXT_OBEY = True
# The replica and the real site alike; `make crawl` adds AutoThrottle for the real site.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 16
# Scrapy schedules 100 tasks per callback output by default; a CPU-bound crawl does better lower.
CONCURRENT_ITEMS = 16
DOWNLOAD_TIMEOUT = 30
# A news page is ~30 KB; anything past this is not an article (the replica's "huge page" fault).
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# --- Faults ------------------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 4
REDIRECT_MAX_TIMES = 5

# --- Item pipelines ----------------------------------------------------------------------------
ITEM_PIPELINES = {
    "newscrawl.pipelines.DedupePipeline": 100,
}

# --- Exports -----------------------------------------------------------------------------------
# Each run writes <EXPORTS_DIR>/<spider>/<run_id>/{articles,comments}.{jsonl,csv}.
EXPORTS_DIR = "exports"
FEED_URI_PARAMS = "newscrawl.feeds.uri_params"
_RUN_DIR = "%(exports_dir)s/%(name)s/%(run_id)s"
_JSONL = {"format": "jsonlines", "encoding": "utf-8", "overwrite": True,
          "item_export_kwargs": {"export_empty_fields": True}}
# UTF-8 with a BOM so that Excel shows Cyrillic; lists joined with "; ".
_CSV = {"format": "csv", "encoding": "utf-8-sig", "overwrite": True,
        "item_export_kwargs": {"join_multivalued": "; ", "export_empty_fields": True}}
FEEDS = {
    f"{_RUN_DIR}/{name}.{ext}": {**options, "item_classes": [item_class], "fields": field_names(item_class)}
    for name, item_class in (("articles", Article), ("comments", Comment))
    for ext, options in (("jsonl", _JSONL), ("csv", _CSV))
}
FEED_STORE_EMPTY = True

# --- Engine ------------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
