"""A local replica of the news site: pages, time, faults and ground truth (see README)."""
