"""What earlier runs saw: the store, and this run's history of it."""
