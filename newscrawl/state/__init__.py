"""What earlier runs saw: the store, this run's history of it, versions, the decisions made from it, the comment walk."""
