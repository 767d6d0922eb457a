"""newscrawl's command line (``COMMANDS_MODULE``; ``python -m newscrawl`` is the same): ``crawl``
with a truthful exit status and ``run`` for schedulers; debugging commands (``shell``, ``parse``,
``check``) that write no run folder and touch no state; and the archive's commands (``dataset``,
``reextract``, ``evidence``, ``learn``, ``browse``, ``distributed``)."""
