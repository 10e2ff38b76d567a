"""Adapters of the media service: one module per external system."""
