"""The kinds the embedded cluster serves: one :class:`ResourceType` each.

Each module holds one kind (or a few small ones) with upstream's defaults,
validation, field selectors and Table columns; the registry drives them all
through the same strategy functions.
"""

from ._age import format_age, human_duration, parse_timestamp
from ._base import Column, ResourceType, metadata_field_labels, no_causes, no_defaults
from ._catalog import RESOURCE_TYPES, by_kind, find
from ._configdata import CONFIG_MAP, SECRET
from ._core import ENDPOINTS, NAMESPACE, NODE, SERVICE_ACCOUNT
from ._events import EVENT
from ._jobs import CONTROLLER_UID_LABEL, JOB, JOB_NAME_LABEL
from ._meta import validate_object_meta
from ._names import dns1123_subdomain
from ._pods import POD, pod_qos_class, pod_status_reason
from ._quantity import QuantityError, parse_quantity, quantity_units
from ._selectors import selector_matches, validate_label_selector
from ._services import SERVICE, allocate_cluster_ip, allocate_node_port

__all__ = [
    "CONFIG_MAP",
    "CONTROLLER_UID_LABEL",
    "Column",
    "ENDPOINTS",
    "EVENT",
    "JOB",
    "JOB_NAME_LABEL",
    "NAMESPACE",
    "NODE",
    "POD",
    "QuantityError",
    "RESOURCE_TYPES",
    "ResourceType",
    "SECRET",
    "SERVICE",
    "SERVICE_ACCOUNT",
    "allocate_cluster_ip",
    "allocate_node_port",
    "by_kind",
    "find",
    "dns1123_subdomain",
    "format_age",
    "human_duration",
    "metadata_field_labels",
    "no_causes",
    "no_defaults",
    "parse_quantity",
    "parse_timestamp",
    "quantity_units",
    "pod_qos_class",
    "pod_status_reason",
    "selector_matches",
    "validate_label_selector",
    "validate_object_meta",
]
