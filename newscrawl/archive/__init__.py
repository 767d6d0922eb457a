"""What is built from many runs: the dataset (dataset, archivedb: archive.sqlite, search: its
Russian stems), a record's evidence, re-extraction over workers, learning a site version."""
