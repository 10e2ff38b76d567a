"""Pure handlers of the speech service (analysis arrives with its own issue)."""
