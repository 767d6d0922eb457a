"""``make bench``: how fast and how lean newscrawl is, against bare Scrapy and a plain spider."""
