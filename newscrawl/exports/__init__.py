"""Bytes on disk kept whole: the run's export files, its manifest, the WARC archive."""
