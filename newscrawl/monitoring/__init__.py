"""What a run tells people: its manifest and verdict (with the exit status), the health rules, the
progress line, the log's shape."""
