"""Plumbing every service shares: settings base, logging, metrics, bus and storage."""
