"""Browsing the archive in a browser: Datasette over the dataset's ``archive.sqlite``, with Russian
search that finds every form of a word, articles that read as articles with their threads, and the
canned queries researchers ask first (``python -m newscrawl browse``)."""
