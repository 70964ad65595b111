"""The ``jobyard`` command: starts the servers; later verbs are thin API clients."""

from jobyard.cli.app import app, main

__all__ = ["app", "main"]
