"""A valid form to start from: each test breaks one thing in it."""

from jobyard.console.forms import ContainerForm, JobForm, ResourcesForm


def valid_form() -> JobForm:
    return JobForm(
        name="job-01",
        cluster="cluster-01",
        containers=[
            ContainerForm(
                name="main",
                image="busybox:1.36",
                resources=ResourcesForm(
                    cpu_request="250m", cpu_limit="250m", memory_request="512Mi", memory_limit="512Mi"
                ),
            )
        ],
    )
