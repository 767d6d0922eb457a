"""A run's life and what is built from many: the run folder, the checks before a run, a rebuilt state, the dataset, the evidence of a record."""
