"""The job wizard as one typed model, and its way to and from Kubernetes manifests.

The web wizard, the JSON API and the CLI (``jobyard job create -f form.yaml``) all fill a
``JobForm``. ``validate`` checks it field by field in English or Chinese; ``to_manifests`` turns it
into the Job (and the Service, if the form has one); ``from_manifests`` opens a Job written
elsewhere, keeping the original manifests beside the form so that nothing the form cannot show is
lost; ``map_status_causes`` puts the cluster's own verdict (a ``dryRun=All`` create, say) on the
same fields.

Field paths
-----------
Every ``FieldError.path`` names one form field the UI can attach a message to. A path is the
camelCase (wire) field names joined by ``.``, with ``[i]`` for the i-th row of a list, exactly as
the form appears in JSON or YAML::

    name                                       basic info
    containers[0].image                        work containers; init containers: initContainers[0]…
    containers[0].resources.cpuLimit           cpuRequest, cpuLimit, memoryRequest, memoryLimit
    containers[0].ports[1].containerPort
    containers[0].lifecycle.preStop.port
    containers[0].healthChecks.liveness.periodSeconds
    containers[0].env[2].key                   env rows of all seven kinds, in the form's order
    containers[0].storage[0].mountPath
    containers[0].security.capabilitiesAdd[0]
    containers[0].logs[0].path
    service.ports[0].nodePort
    advanced.labels[0].key

A path that names a list (``containers``, ``service.ports``) is about the list as a whole; the empty
path is about the form as a whole (a cluster error on something the form does not show).
"""

from ._causes import map_status_causes
from ._manifests import (
    APP_LABEL,
    DESCRIPTION_ANNOTATION,
    LOG_PATHS_ANNOTATION,
    needs_cluster_admin,
)
from ._messages import LANGUAGES, MESSAGES, FieldError, Language, message
from ._model import (
    AdvancedForm,
    ContainerForm,
    EnvVarForm,
    HandlerForm,
    HealthChecksForm,
    JobForm,
    KeyValue,
    LifecycleForm,
    LogForm,
    PortForm,
    ProbeForm,
    ResourcesForm,
    SecurityForm,
    ServiceForm,
    ServicePortForm,
    StorageForm,
)
from ._resource_rules import data_errors, namespace_errors, object_name_errors
from ._roundtrip import FormWithRest, from_manifests, to_manifests
from ._validate import validate

__all__ = [
    "APP_LABEL",
    "DESCRIPTION_ANNOTATION",
    "LANGUAGES",
    "LOG_PATHS_ANNOTATION",
    "MESSAGES",
    "AdvancedForm",
    "ContainerForm",
    "EnvVarForm",
    "FieldError",
    "FormWithRest",
    "HandlerForm",
    "HealthChecksForm",
    "JobForm",
    "KeyValue",
    "Language",
    "LifecycleForm",
    "LogForm",
    "PortForm",
    "ProbeForm",
    "ResourcesForm",
    "SecurityForm",
    "ServiceForm",
    "ServicePortForm",
    "StorageForm",
    "data_errors",
    "from_manifests",
    "message",
    "map_status_causes",
    "namespace_errors",
    "needs_cluster_admin",
    "object_name_errors",
    "to_manifests",
    "validate",
]
