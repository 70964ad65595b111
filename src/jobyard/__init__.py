"""jobyard: run Kubernetes Jobs from container images."""

__version__ = "0.1.0"
