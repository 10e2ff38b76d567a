"""Adapters of the gateway service: one module per external system."""
