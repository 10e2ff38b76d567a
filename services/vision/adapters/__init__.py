"""Adapters of the vision service: one module per external system."""
