"""What the console manages on joined clusters besides Jobs, and the image registries Jobs pull from.

:class:`ClusterResources` lists and creates namespaces, ConfigMaps and Secrets
through a cluster's client, checking the console's roles and auditing changes;
Secrets come back as :class:`SecretInfo` (name, type, keys), never with values.
It also reads Services with their endpoints (:class:`ServiceInfo`) and the images
the cluster's nodes hold (:class:`NodeImage`).
:class:`RegistryService` keeps registries (passwords sealed), lists their
repositories and tags over the registry v2 API, and turns one into a pull Secret.
"""

from ._cluster_resources import ClusterResources
from ._network import ENDPOINTS, EndpointInfo, NodeImage, ServiceInfo, ServicePortInfo, node_images
from ._objects import DOCKER_CONFIG_JSON, ConfigMapInfo, NamespaceInfo, SecretInfo, docker_config_json
from ._registries import RESOURCE_MESSAGES, RegistryError, RegistryInfo, RegistryService

__all__ = [
    "DOCKER_CONFIG_JSON",
    "ENDPOINTS",
    "RESOURCE_MESSAGES",
    "ClusterResources",
    "ConfigMapInfo",
    "EndpointInfo",
    "NamespaceInfo",
    "NodeImage",
    "RegistryError",
    "RegistryInfo",
    "RegistryService",
    "SecretInfo",
    "ServiceInfo",
    "ServicePortInfo",
    "docker_config_json",
    "node_images",
]
