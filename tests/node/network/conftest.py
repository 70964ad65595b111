from network_fixtures import network, service_proxy

__all__ = ["network", "service_proxy"]
