"""Every domain service of the api function, on in-memory stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rollwright.account_region import AccountRegion
from rollwright.applications import Applications
from rollwright.auto_scaling_hooks import LifecycleHooks
from rollwright.deployment_configs import DeploymentConfigs
from rollwright.deployment_groups import DeploymentGroups
from rollwright.deployment_requests import new_deployment_id
from rollwright.deployment_stops import DeploymentStops
from rollwright.deployments import Deployments
from rollwright.on_premises_instances import OnPremisesInstances
from rollwright.operations.shapes import CodeDeployServices
from rollwright.predefined_deployment_configs import PREDEFINED_DEPLOYMENT_CONFIGS
from rollwright.resource_tags import ResourceTags
from rollwright.revisions import ApplicationRevisions
from tests.fakes.application_store import InMemoryApplicationStore
from tests.fakes.application_tag_store import InMemoryApplicationTagStore
from tests.fakes.deployment_config_store import InMemoryDeploymentConfigStore
from tests.fakes.deployment_group_store import InMemoryDeploymentGroupStore
from tests.fakes.deployment_stops import InMemoryStopStore, RecordingRollout
from tests.fakes.deployment_store import FakeFleet, InMemoryDeploymentStore, RecordingWorkflows
from tests.fakes.on_premises_instance_store import InMemoryOnPremisesInstanceStore
from tests.fakes.revision_store import InMemoryRevisionStore

ACCOUNT_REGION = AccountRegion("aws", "us-east-1", "123456789012")


def in_memory_services(
    applications: Applications | None = None,
    *,
    application_store: InMemoryApplicationStore | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    deployment_store: InMemoryDeploymentStore | None = None,
    fleet: FakeFleet | None = None,
    workflows: RecordingWorkflows | None = None,
    hooks: LifecycleHooks | None = None,
) -> CodeDeployServices:
    """Services over fresh in-memory stores. A test that holds its own ``applications`` passes
    it, and its store as ``application_store`` when application tags must see it too."""
    counter = iter(range(10**9))

    def new_id() -> str:
        return f"id-{next(counter)}"

    application_store = application_store or InMemoryApplicationStore()
    applications = applications or Applications(application_store, clock=clock, new_id=new_id)
    config_store = InMemoryDeploymentConfigStore()
    configs = DeploymentConfigs(
        config_store, PREDEFINED_DEPLOYMENT_CONFIGS, clock=clock, new_id=new_id
    )
    groups = DeploymentGroups(
        InMemoryDeploymentGroupStore(config_store),
        applications,
        configs,
        new_id=new_id,
        hooks=hooks,
    )
    revisions = ApplicationRevisions(InMemoryRevisionStore(), applications, clock=clock)
    on_premises = OnPremisesInstances(
        InMemoryOnPremisesInstanceStore(), account_region=ACCOUNT_REGION, clock=clock
    )
    choices = iter(range(10**9))
    deployments = Deployments(
        deployment_store or InMemoryDeploymentStore(),
        applications=applications,
        groups=groups,
        configs=configs,
        revisions=revisions,
        on_premises=on_premises,
        fleet=fleet or FakeFleet(),
        workflows=workflows or RecordingWorkflows(),
        clock=clock,
        new_id=lambda: new_deployment_id(lambda alphabet: alphabet[next(choices) % 36]),
        account_region=ACCOUNT_REGION,
    )
    return CodeDeployServices(
        applications=applications,
        revisions=revisions,
        on_premises_instances=on_premises,
        deployment_configs=configs,
        deployment_groups=groups,
        resource_tags=ResourceTags(
            ACCOUNT_REGION, InMemoryApplicationTagStore(application_store), groups
        ),
        deployments=deployments,
        deployment_stops=DeploymentStops(
            InMemoryStopStore(), RecordingRollout(), clock=lambda: clock().timestamp()
        ),
    )
