"""newscrawl's settings: every default in one place, grouped by concern.

Override any of them per run with ``-s NAME=value``.
"""

from scrapy.settings.default_settings import RETRY_EXCEPTIONS as _SCRAPY_RETRY_EXCEPTIONS

from newscrawl.extract.items import Article, Comment, field_names

BOT_NAME = "newscrawl"
# The site archived: its page module (selectors, page checks, URLs), which the rest of newscrawl
# asks through newscrawl.pages.site.
SITE = "newscrawl.pages.vpk"
# The site's learned markup versions (python -m newscrawl learn writes them; every run, reextract
# and scrapy shell/parse/check load them at start): by default site-versions/ beside EXPORTS_DIR.
SITE_VERSIONS_DIR = None
# What learn may fetch from the site where the run it learns from lacks a kind of page.
LEARN_MAX_PAGES = 40
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Identity and politeness -------------------------------------------------------------------
# Who runs the crawl, for the site's administrators: an e-mail address or a URL, written into the
# User-Agent (newscrawl.addons.Identity). A crawl of a site not on this machine without it warns.
CONTACT = ""
USER_AGENT = "newscrawl/0.1 (+research archive of vpk.name)"
ROBOTSTXT_OBEY = True
# Polite by default, however a run is started (scrapy crawl, python -m newscrawl run, cron,
# systemd, scrapyd): at most 4 requests at a time on the site, and AutoThrottle slowing down as
# the site's answers slow down. Tests and benchmarks ask for speed against the replica
# explicitly (tests/settings.py).
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
# Scrapy schedules 100 tasks per callback output by default; a CPU-bound crawl does better lower.
CONCURRENT_ITEMS = 16
# A page takes well under a second; one that dribbles fails after this, retried once only
# (newscrawl.fetch.middlewares.Politeness): 2 x 10 s, not 5 x 30 s.
DOWNLOAD_TIMEOUT = 10
# A news page is ~30-60 KB; a thread of 20,000 comments on one page is ~13 MB. Past this a page
# is cancelled, counted, and the run is unhealthy (its comments are missing).
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# No request leaves the start URL's host, redirects and dont_filter requests included (the
# debugging commands turn this off: they fetch the URL they are given).
STAY_ON_HOST = True
# 429 and 503 answers are retried after their Retry-After, up to this many seconds.
RETRY_AFTER_MAX = 120

# --- Faults ------------------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 4
# A browser page whose comments did not appear in time (their script's fetch failed) is retried too.
RETRY_EXCEPTIONS = [*_SCRAPY_RETRY_EXCEPTIONS, "playwright.async_api.TimeoutError"]
REDIRECT_MAX_TIMES = 5
# A 200 that is not a whole page (cut short, empty, a login page, comments missing) is retried
# this many times, after 1, 2, 4 … times the backoff in seconds, then failed (never read).
BROKEN_PAGE_RETRY_TIMES = 2
BROKEN_PAGE_BACKOFF = 1.0
DOWNLOADER_MIDDLEWARES = {
    # After RetryMiddleware (550): each callback receives its page object (newscrawl.fetch.pageargs).
    "newscrawl.fetch.pageargs.PageArguments": 540,
    # Closer to the downloader than RetryMiddleware (550): they see responses first.
    "newscrawl.fetch.middlewares.Politeness": 560,
    "newscrawl.fetch.middlewares.WholePages": 570,
    # Closer still than decompression (590): the archive keeps the bytes as they came.
    "newscrawl.exports.warc.WarcArchive": 595,
}
# Every response of a run into <run dir>/pages.warc.gz (newscrawl.exports.warc).
ARCHIVE_ENABLED = True
# python -m newscrawl reextract: the runs whose archives are read back ("all", or ids with commas).
REEXTRACT_RUNS = ""
# A worker of `reextract -j N` takes the archived articles of its part ("k/N": newscrawl.archive.reextract).
REEXTRACT_PART = ""

# --- Contracts (scrapy check vpk) ------------------------------------------------------------------
SPIDER_CONTRACTS = {"newscrawl.contracts.PageContract": 10, "newscrawl.contracts.FieldsContract": 10}
# The site the callbacks' @page contracts are checked against: the replica at its default port.
CHECK_SITE = "http://127.0.0.1:8000"

# --- Runs (newscrawl.commands.crawl: scrapy crawl, python -m newscrawl run) ----------------------
COMMANDS_MODULE = "newscrawl.commands"
# A crawl writes a run folder (exports, manifest) and keeps the state; the debugging commands
# (shell, parse, check) turn this off.
RUN_FOLDER_ENABLED = True
# Held for the whole run, so that two runs on one state never overlap. Empty: beside a SQLite
# state (<STATE_URI>.lock), or <EXPORTS_DIR>/.newscrawl.lock for Redis.
RUN_LOCK = ""
# A run is unhealthy (exit status 1) when more of its requests than this fail for good.
HEALTH_MAX_ERROR_RATE = 0.05
# … when fewer of its items than this have a field (newscrawl.monitoring.health: a redesign gives nulls) …
HEALTH_REQUIRED = {
    "article": {"title": 1.0, "body": 1.0, "published_at": 0.99},
    "comment": {"author": 0.99, "posted_at": 0.99, "text": 0.99},
}
# … or when a field's coverage falls this far below its median over the last healthy runs.
HEALTH_COVERAGE_DROP = 0.2
HEALTH_COVERAGE_RUNS = 10

# --- Item pipelines ----------------------------------------------------------------------------
# One path: a copy dropped, the fields counted, a version numbered (newscrawl.pipelines.itempath).
ITEM_PIPELINES = {"newscrawl.pipelines.itempath.ItemPath": 100}

# --- State: what earlier runs saw (newscrawl.state.store, newscrawl.state.history) --------------------------
# A SQLite file, or redis://host:port/db to share the state between crawlers.
STATE_URI = ".state/newscrawl.sqlite"
# A run refuses to start on a missing or empty state while the exports hold earlier runs (it
# would export them again); 1 starts afresh on purpose. -a rebuild_state=1 rebuilds it instead.
STATE_INIT = False
# An article that this many runs in a row set out to finish and could not (the site deleted it,
# it always fails) leaves the frontier, counted and logged, rather than fail every run for ever.
FRONTIER_MAX_RUNS = 3
# Items per state commit; each commit first flushes the export files.
STATE_COMMIT_EVERY = 500
# Revisit an article this long after publication (then only when a listing shows its comment
# count moved). The last step is the refresh window of the listing walk.
REVISIT_AFTER = "1h,6h,1d,2d,3d,4d,5d,6d,7d"
# Stop walking the listing after this many known articles older than the refresh window (only
# past where an unfinished walk got to, and not when a whole walk is due: newscrawl.crawl.policy).
LISTING_STOP_AFTER_KNOWN = 20
# Every article's comment count is looked at again at least this often (a walk of the whole
# listing), and a partial comment walk is followed by a complete one within it.
FULL_WALK_EVERY = "7d"
# A whole walk of the listing (30,000 pages at 600,000 articles) reads at most this many pages a
# run below the head (0: no bound): it is spread over runs, each going on from the page where the
# last one stopped, after walking its own head (newscrawl.crawl.policy.ListingWalk).
WHOLE_WALK_BUDGET = 2000
# How far back the "Обсуждаемое" sidebar shows activity on old articles. A run more than this
# after the last complete one walks the whole listing: the sidebar cannot vouch for the gap.
SIDEBAR_COVERS = "36h"
# No error lives for ever: every article's comment thread gets a complete walk at least every
# FULL_WALK_EVERY while younger than THREAD_YOUNG_FOR, and every THREAD_WALK_EVERY_OLD after,
# whether or not its count moved; least recently walked first, at most THREAD_WALK_BUDGET comment
# pages a run (estimated from the comments counted; 0 turns it off), so no run carries them all.
THREAD_YOUNG_FOR = "30d"
THREAD_WALK_EVERY_OLD = "90d"
THREAD_WALK_BUDGET = 500
# A thread that shows none or few of its recorded comments (what a page shows when the comments
# behind it are down) claims no deletion until complete walks have found it so for this long,
# and the listing's count beside it agrees (newscrawl.crawl.policy.absence_vouched).
ABSENCE_CORROBORATED_AFTER = "7d"
# A thread showing a moderation younger than this is walked again a day later: moderators take
# some back, and a restored comment changes no count that would send a run to it.
MODERATION_WATCH = "7d"

# --- Exports -----------------------------------------------------------------------------------
# Each run writes <EXPORTS_DIR>/<spider>/<run_id>/{articles,comments}.jsonl as it goes: the log
# the state commits against (newscrawl.state.history).
EXPORTS_DIR = "exports"
FEED_URI_PARAMS = "newscrawl.exports.feeds.uri_params"
FEEDS = {
    f"%(run_dir)s/{name}.jsonl": {"format": "jsonlines", "encoding": "utf-8", "overwrite": True,
                                  "item_export_kwargs": {"export_empty_fields": True},
                                  "item_classes": [item_class], "fields": field_names(item_class)}
    for name, item_class in (("articles", Article), ("comments", Comment))
}
# … and {articles,comments}.csv from them when it closes, as one more exporter per item would
# cost (newscrawl.exports.feeds.write_csvs), and again wherever a JSONL is cut back: UTF-8 with a BOM so
# that Excel shows Cyrillic, lists joined with "; ", every text cell spreadsheet-safe.
CSV_EXPORT = {"encoding": "utf-8-sig", "item_export_kwargs": {"join_multivalued": "; ", "export_empty_fields": True}}
FEED_STORE_EMPTY = True
# python -m newscrawl dataset: where the dataset of all runs is published (a symlink to its
# latest build), and the most memory DuckDB may use for it before spilling to disk, with how
# many threads: one sorts the archive's rows within 1 GB (two ran out of it at 300,000 articles,
# make bench-scale); two are ~10% faster where there is memory for them.
DATASET_DIR = "dataset"
DATASET_MEMORY_LIMIT = "1GB"
DATASET_THREADS = 1
# The dataset also holds archive.sqlite (newscrawl.archive.archivedb), for `python -m newscrawl
# browse` and SQL; 0 leaves it out (it is the largest file of a build).
DATASET_SQLITE = True
# Scrapy's JSON lines exporter, reading dataclass fields directly (same output, half the cost).
FEED_EXPORTERS = {"jsonlines": "newscrawl.exports.feeds.JsonLinesExporter"}
# Local files as Scrapy writes them, registered so the state can flush them before it commits.
FEED_STORAGES = {"": "newscrawl.exports.feeds.DurableFileFeedStorage", "file": "newscrawl.exports.feeds.DurableFileFeedStorage"}

# A progress line every PROGRESS_INTERVAL seconds on a terminal (redrawn in place), logged every
# PROGRESS_LOG_INTERVAL seconds otherwise; it replaces Scrapy's LogStats line. 0: none.
PROGRESS_INTERVAL = 2
PROGRESS_LOG_INTERVAL = 30
LOGSTATS_INTERVAL = 0
# Every stat is in the run's manifest.json; the end of the log is the summary and the verdict.
STATS_DUMP = False
# In this order: History's last commit (spider_closed) comes before RunFolder's manifest.
EXTENSIONS = {
    "scrapy.extensions.feedexport.FeedExporter": None,  # newscrawl.exports.feeds.Exports is it, and more
    "newscrawl.exports.feeds.Exports": 0,
    "newscrawl.pages.versions.SiteVersions": 0,
    "newscrawl.monitoring.reporting.QuietNetworkErrors": 0,
    "newscrawl.exports.feeds.ExportFiles": 0,
    "newscrawl.state.history.History": 10,
    "newscrawl.monitoring.progress.Progress": 15,
    "newscrawl.runs.runfolder.RunFolder": 20,
}

# --- Browser, for comments rendered by JavaScript (scrapy-playwright) ----------------------------
# Only pages whose comments need it go through Chromium; the rest use the plain HTTP handler.
DOWNLOAD_HANDLERS = {
    "http": "newscrawl.fetch.browser.BrowserDownloadHandler",
    "https": "newscrawl.fetch.browser.BrowserDownloadHandler",
}
BROWSER_EXECUTABLE = "/usr/bin/chromium"  # Debian's chromium; Playwright's own download is not used
BROWSER_WAIT_TIMEOUT = 10  # seconds to wait for the comments to appear
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {"headless": True}
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_ABORT_REQUEST = "newscrawl.fetch.browser.block_heavy_resources"

# --- Development (newscrawl.addons.Development) -------------------------------------------------
# 1: HTTP cache on, two requests at a time, and a log line of the source of each article field;
# its runs write under DEVELOPMENT_DIR and keep no state (never the archive's exports or state).
DEVELOPMENT = False
DEVELOPMENT_DIR = ".scrapy/development"
LOG_FIELD_SOURCES = False
ADDONS = {"newscrawl.addons.Identity": 0, "newscrawl.addons.Secrets": 0, "newscrawl.addons.Development": 0,
          "newscrawl.addons.Distributed": 0, "newscrawl.addons.Reextraction": 0}
# Where a crawl starts (newscrawl.crawl.sources): the site's listing. The Distributed and
# Reextraction add-ons choose a shared crawl's seed, or the archive's article pages.
START_SOURCE = "newscrawl.crawl.sources.SiteListing"

# --- A shared crawl (newscrawl.distributed; scrapy-redis) -----------------------------------------
# redis://[user:password@]host:port/db or rediss://… (TLS): this crawl becomes a worker of the
# shared crawl there (`python -m newscrawl distributed seed` starts one). Empty: a crawl on its own.
REDIS_URL = ""
# A worker that has not beaten for this many seconds is dead: its requests go back to the others.
DISTRIBUTED_LEASE_TTL = 30
# The pages whose requests stay in the worker that holds their walk (meta["page"]).
DISTRIBUTED_WALK_PAGES = ["listing", "comments"]
# Every item and request a callback yields passes through each spider middleware's generator.
# Off, as they do nothing here: DEPTH_LIMIT is not used, the URLs followed are the site's own
# (canonical, short), and the spider copies no response meta into its requests.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

# --- Engine ------------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# The canonical URL, and whether a browser renders the page (newscrawl.fetch.fingerprints).
REQUEST_FINGERPRINTER_CLASS = "newscrawl.fetch.fingerprints.CanonicalFingerprinter"
LOG_LEVEL = "INFO"
# Per-page and per-item log lines are built only at a level that shows them.
LOG_FORMATTER = "newscrawl.monitoring.reporting.ShownLogFormatter"
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 opens a control port on every crawl; a scheduled, unattended run needs none.
REMOTE_CONTROL_ENABLED = False
