"""Pure handlers of the feedback service (analysis arrives with its own issue)."""
