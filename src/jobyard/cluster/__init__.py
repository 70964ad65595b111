"""The embedded cluster: a Kubernetes API server, its store and its controllers.

It only speaks Kubernetes and never imports ``jobyard.console``.
"""
