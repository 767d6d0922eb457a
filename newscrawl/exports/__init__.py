"""Bytes on disk kept whole: the run's export files and the WARC archive."""
