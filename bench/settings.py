"""Scrapy's defaults, for the spiders newscrawl is measured against (bench/spiders.py)."""

SPIDER_MODULES = ["bench.spiders"]
