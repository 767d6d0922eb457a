"""What to fetch next, decided without a crawler: the listing walk, visits, the comment walk and
what it proves, absence and moderation rechecks. Pure code over what the pages say and the state holds."""
