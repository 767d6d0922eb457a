"""newscrawl's spiders: what to fetch. What a page says lives in ``newscrawl.pages``."""
