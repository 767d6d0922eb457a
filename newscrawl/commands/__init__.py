"""newscrawl's command line (``COMMANDS_MODULE``; ``python -m newscrawl`` is the same): ``crawl``
with a truthful exit status and ``run`` for schedulers; debugging commands (``shell``, ``parse``,
``check``) that write no run folder and touch no state; and the archive's commands (``dataset``,
``reextract``, ``evidence``, ``learn``, ``browse``, ``distributed``).

Scrapy imports every command's module on every call, to list them: a crawl's start would import
duckdb, Stemmer, redis and the learner (0.27 s, each crawl). So the archive's commands import the
module that does their work when they run, not at their top."""
