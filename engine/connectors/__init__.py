"""Connectors of automatic steps: a Python callable or an HTTP endpoint that answers a check."""
