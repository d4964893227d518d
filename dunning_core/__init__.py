"""Dunning core: pure collections logic plus file adapters (see docs/architecture.md)."""
