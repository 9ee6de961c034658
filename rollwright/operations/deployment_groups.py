"""The deployment group operations: CreateDeploymentGroup, GetDeploymentGroup,
BatchGetDeploymentGroups, ListDeploymentGroups, UpdateDeploymentGroup, DeleteDeploymentGroup."""

from __future__ import annotations

from rollwright.applications import Tag, valid_application_name, valid_tags
from rollwright.auto_scaling_hooks import InstalledHooks, auto_scaling_group_info
from rollwright.deployment_group_history import DeploymentGroupHistory, LastDeployment
from rollwright.deployment_group_rules import valid_service_role_arn
from rollwright.deployment_groups import (
    DeploymentGroup,
    valid_deployment_group_name,
    valid_deployment_group_names,
)
from rollwright.errors import (
    ApplicationNameRequiredException,
    DeploymentGroupNameRequiredException,
    InvalidRoleException,
    RoleRequiredException,
)
from rollwright.model_constraints import check_required
from rollwright.operations.deployment_group_members import read_changes
from rollwright.operations.deployment_group_shapes import settings_members
from rollwright.operations.revisions import revision_location
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import (
    optional_string,
    optional_string_list,
    optional_structure_list,
)


def last_deployment_info(deployment: LastDeployment) -> Result:
    """A ``LastDeploymentInfo`` shape."""
    info: Result = {
        "deploymentId": deployment.deployment_id,
        "status": deployment.status.value,
        "createTime": deployment.create_time,
    }
    if deployment.end_time is not None:
        info["endTime"] = deployment.end_time
    return info


def history_members(history: DeploymentGroupHistory) -> Result:
    members: Result = {}
    if history.target_revision is not None:
        members["targetRevision"] = revision_location(history.target_revision)
    if history.last_successful_deployment is not None:
        members["lastSuccessfulDeployment"] = last_deployment_info(
            history.last_successful_deployment
        )
    if history.last_attempted_deployment is not None:
        members["lastAttemptedDeployment"] = last_deployment_info(history.last_attempted_deployment)
    return members


def deployment_group_info(group: DeploymentGroup, application_name: str) -> Result:
    """A ``DeploymentGroupInfo`` shape; ``application_name`` is the application's current name."""
    members = settings_members(group.settings)
    # The info lists Auto Scaling groups as structures, with the hooks installed in them, where
    # requests list their names.
    installed = {hooks.auto_scaling_group: hooks for hooks in group.auto_scaling_hooks}
    members["autoScalingGroups"] = [
        auto_scaling_group_info(installed.get(name, InstalledHooks(name, "")))
        for name in members["autoScalingGroups"]
    ]
    return {
        "applicationName": application_name,
        "deploymentGroupId": group.deployment_group_id,
        "deploymentGroupName": group.name,
        "computePlatform": group.compute_platform.value,
        **members,
        **history_members(group.history),
    }


# The model's required members of each operation, each with its exception.
_APPLICATION_AND_GROUP = {
    "applicationName": ApplicationNameRequiredException,
    "deploymentGroupName": DeploymentGroupNameRequiredException,
}


def create_deployment_group(services: CodeDeployServices, params: Params) -> Result:
    # The model first (required members, then every member's constraints), then CodeDeploy's
    # rules: a broken constraint is answered whatever the rules would say of the other members.
    check_required(params, {**_APPLICATION_AND_GROUP, "serviceRoleArn": RoleRequiredException})
    application_name = valid_application_name(optional_string(params, "applicationName"))
    name = valid_deployment_group_name(optional_string(params, "deploymentGroupName"))
    changes = read_changes(params)
    raw_tags = optional_structure_list(params, "tags", string_members=("Key", "Value")) or []
    role = valid_service_role_arn(changes.service_role_arn)
    tags = valid_tags([Tag(tag["Key"] or "", tag["Value"] or "") for tag in raw_tags])
    created = services.deployment_groups.create(
        application_name=application_name,
        name=name,
        service_role_arn=role,
        changes=changes,
        tags=tags,
    )
    return {"deploymentGroupId": created.deployment_group_id}


def get_deployment_group(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _APPLICATION_AND_GROUP)
    application_name = valid_application_name(optional_string(params, "applicationName"))
    name = valid_deployment_group_name(optional_string(params, "deploymentGroupName"))
    group = services.deployment_groups.get(application_name, name)
    return {"deploymentGroupInfo": deployment_group_info(group, application_name)}


def batch_get_deployment_groups(services: CodeDeployServices, params: Params) -> Result:
    check_required(
        params,
        {
            "applicationName": ApplicationNameRequiredException,
            "deploymentGroupNames": DeploymentGroupNameRequiredException,
        },
    )
    application_name = valid_application_name(optional_string(params, "applicationName"))
    names = valid_deployment_group_names(optional_string_list(params, "deploymentGroupNames"))
    batch = services.deployment_groups.batch_get(application_name, names)
    result: Result = {
        "deploymentGroupsInfo": [deployment_group_info(g, application_name) for g in batch.groups]
    }
    if batch.missing:
        result["errorMessage"] = (
            f"Deployment groups not found in application {application_name}: "
            f"{', '.join(batch.missing)}."
        )
    return result


def list_deployment_groups(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, {"applicationName": ApplicationNameRequiredException})
    application_name = valid_application_name(optional_string(params, "applicationName"))
    page = services.deployment_groups.page(application_name, optional_string(params, "nextToken"))
    result: Result = {"applicationName": application_name, "deploymentGroups": list(page.names)}
    if page.next_token is not None:
        result["nextToken"] = page.next_token
    return result


def update_deployment_group(services: CodeDeployServices, params: Params) -> Result:
    # The model first, then CodeDeploy's rules (see create_deployment_group).
    check_required(
        params,
        {
            "applicationName": ApplicationNameRequiredException,
            "currentDeploymentGroupName": DeploymentGroupNameRequiredException,
        },
    )
    application_name = valid_application_name(optional_string(params, "applicationName"))
    name = valid_deployment_group_name(optional_string(params, "currentDeploymentGroupName"))
    given_new_name = optional_string(params, "newDeploymentGroupName")
    new_name = None if given_new_name is None else valid_deployment_group_name(given_new_name)
    changes = read_changes(params)
    if changes.service_role_arn == "":
        # UpdateDeploymentGroup's model lists InvalidRoleException, not RoleRequiredException.
        raise InvalidRoleException("The service role ARN cannot be empty.")
    not_removed = services.deployment_groups.update(
        application_name=application_name, name=name, new_name=new_name, changes=changes
    )
    return {"hooksNotCleanedUp": [auto_scaling_group_info(hooks) for hooks in not_removed]}


def delete_deployment_group(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _APPLICATION_AND_GROUP)
    application_name = valid_application_name(optional_string(params, "applicationName"))
    name = valid_deployment_group_name(optional_string(params, "deploymentGroupName"))
    not_removed = services.deployment_groups.delete(application_name, name)
    return {"hooksNotCleanedUp": [auto_scaling_group_info(hooks) for hooks in not_removed]}


OPERATIONS: dict[str, Operation] = {
    "CreateDeploymentGroup": create_deployment_group,
    "GetDeploymentGroup": get_deployment_group,
    "BatchGetDeploymentGroups": batch_get_deployment_groups,
    "ListDeploymentGroups": list_deployment_groups,
    "UpdateDeploymentGroup": update_deployment_group,
    "DeleteDeploymentGroup": delete_deployment_group,
}
