"""Adapters of the speech service: one module per external system."""
