"""Pure handlers of the vision service (analysis arrives with its own issue)."""
