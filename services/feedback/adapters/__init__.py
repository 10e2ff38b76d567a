"""Adapters of the feedback service: one module per external system."""
