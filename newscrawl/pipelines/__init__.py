"""What is kept of each item and where it is recorded: the item pipelines (a copy dropped, a version
numbered, the state staged once exported); the health of a run's fields is monitoring's."""
