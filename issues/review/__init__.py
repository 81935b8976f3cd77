"""Outside review of a whole issue."""
