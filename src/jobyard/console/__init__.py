"""The platform: users, roles, clusters and the job wizard.

It reaches clusters only through the Kubernetes API; see docs/architecture.md.
"""
