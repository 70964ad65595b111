"""The node's networking: pod network namespaces on a bridge, and Services as nftables rules."""

from ._commands import NetworkError
from .pods import PodNetwork
from .services import ServiceProxy, ServiceProxyController, service_ruleset

__all__ = ["NetworkError", "PodNetwork", "ServiceProxy", "ServiceProxyController", "service_ruleset"]
