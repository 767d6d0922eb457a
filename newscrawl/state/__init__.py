"""What earlier runs saw: the store, this run's history of it, and the versions of what it emits."""
