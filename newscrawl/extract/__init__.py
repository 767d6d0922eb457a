"""What a value becomes: the items, their loaders, and the pure normalizers they compose."""
