"""newscrawl's own signals, sent through ``crawler.signals`` like Scrapy's."""

# Sent by ``History.commit``: before the exports are flushed, and once the state is saved with
# their sizes. A shared crawl's scheduler releases, at the second, the requests finished at the
# first (``newscrawl.distributed.scheduler``).
state_committing = object()
state_committed = object()
