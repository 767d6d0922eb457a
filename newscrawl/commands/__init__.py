"""newscrawl's Scrapy commands (``COMMANDS_MODULE``): ``crawl`` with a truthful exit status, and
debugging commands that write no run folder and touch no state."""
