"""A shared crawl: several newscrawl workers, on one machine or many, crawl one site through one Redis.

scrapy-redis holds the shared requests and their fingerprints (its scheduler and queue, used
through subclasses, never patched). newscrawl adds what a crawl that must lose nothing needs:

- leases (``queue``): a request taken from Redis is recorded under its worker until the state
  commit that follows its processing; a worker that stops beating (``worker``) has its leases
  put back for the others;
- walks kept in one worker (``scheduler``, ``walks``): the listing's next pages and an article's
  comment pages stay in the worker that took the walk's first request; if it dies, that request
  goes back and the walk is done again by another;
- an end: the crawl is over when the shared queue is empty and no live worker holds a lease,
  not when one worker's queue is briefly empty.

Each worker is a run of its own (``<EXPORTS_DIR>/vpk/<run_id>/``); they share the state store,
which is the same Redis, and ``python -m newscrawl dataset`` merges their exports.
"""
