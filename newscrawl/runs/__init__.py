"""A run's life: its folder and what a killed one leaves (runfolder), the checks before it starts
(preflight), a lost state rebuilt from the exports (rebuild)."""
