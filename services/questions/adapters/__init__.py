"""Adapters of the questions service: one module per external system."""
