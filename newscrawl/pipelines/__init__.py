"""What is kept of each item and where it is recorded: the item pipelines (a copy dropped, the
fields counted, a version numbered, the state staged once exported); judging the counts is monitoring's."""
