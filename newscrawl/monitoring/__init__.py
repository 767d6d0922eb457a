"""What a run tells people: field coverage and health, the progress line, the log's shape."""
