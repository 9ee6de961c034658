"""The on-premises instance operations: RegisterOnPremisesInstance, DeregisterOnPremisesInstance,
GetOnPremisesInstance, BatchGetOnPremisesInstances, ListOnPremisesInstances,
AddTagsToOnPremisesInstances, RemoveTagsFromOnPremisesInstances."""

from __future__ import annotations

from rollwright.errors import InstanceNameRequiredException, TagRequiredException
from rollwright.model_constraints import check_required
from rollwright.on_premises_instances import InstanceQuery, OnPremisesInstance
from rollwright.on_premises_rules import (
    valid_batch_get_names,
    valid_iam_identity,
    valid_instance_name,
    valid_registration_status,
    valid_tag_filter_type,
    valid_tag_filters,
    valid_tagging_names,
    valid_tags,
)
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import (
    optional_string,
    optional_string_list,
    optional_structure_list,
)

# The model's required members, each with its exception.
_INSTANCE_NAME = {"instanceName": InstanceNameRequiredException}
_INSTANCE_NAMES = {"instanceNames": InstanceNameRequiredException}
_TAGGING = {"tags": TagRequiredException, **_INSTANCE_NAMES}


def instance_info(instance: OnPremisesInstance) -> Result:
    """An ``InstanceInfo`` shape."""
    info: Result = {
        "instanceName": instance.name,
        instance.identity.kind.value: instance.identity.arn,
        "instanceArn": instance.instance_arn,
        "registerTime": instance.register_time,
        "tags": [{"Key": tag.key, "Value": tag.value} for tag in instance.tags],
    }
    if instance.deregister_time is not None:
        info["deregisterTime"] = instance.deregister_time
    return info


def _tags(params: Params) -> list[tuple[str | None, str | None]] | None:
    raw = optional_structure_list(params, "tags", string_members=("Key", "Value"))
    return None if raw is None else [(tag["Key"], tag["Value"]) for tag in raw]


def register_on_premises_instance(services: CodeDeployServices, params: Params) -> Result:
    # The model only requires the name; everything else below is CodeDeploy's rules.
    check_required(params, _INSTANCE_NAME)
    name = valid_instance_name(optional_string(params, "instanceName"))
    identity = valid_iam_identity(
        user_arn=optional_string(params, "iamUserArn"),
        session_arn=optional_string(params, "iamSessionArn"),
    )
    services.on_premises_instances.register(name, identity)
    return {}


def deregister_on_premises_instance(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _INSTANCE_NAME)
    services.on_premises_instances.deregister(
        valid_instance_name(optional_string(params, "instanceName"))
    )
    return {}


def get_on_premises_instance(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _INSTANCE_NAME)
    name = valid_instance_name(optional_string(params, "instanceName"))
    return {"instanceInfo": instance_info(services.on_premises_instances.get(name))}


def batch_get_on_premises_instances(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _INSTANCE_NAMES)
    names = valid_batch_get_names(optional_string_list(params, "instanceNames"))
    instances = services.on_premises_instances.batch_get(names)
    return {"instanceInfos": [instance_info(instance) for instance in instances]}


def list_on_premises_instances(services: CodeDeployServices, params: Params) -> Result:
    # The model's enums (the status's, every filter's Type) before CodeDeploy's filter rules.
    status = valid_registration_status(optional_string(params, "registrationStatus"))
    raw_filters = optional_structure_list(
        params, "tagFilters", string_members=("Key", "Value", "Type")
    )
    filters = [(f["Key"], f["Value"], valid_tag_filter_type(f["Type"])) for f in raw_filters or ()]
    query = InstanceQuery(registration_status=status, tag_filters=valid_tag_filters(filters))
    page = services.on_premises_instances.page(query, optional_string(params, "nextToken"))
    result: Result = {"instanceNames": list(page.names)}
    if page.next_token is not None:
        result["nextToken"] = page.next_token
    return result


def add_tags_to_on_premises_instances(services: CodeDeployServices, params: Params) -> Result:
    # The model only requires both members; the tags' and names' values are CodeDeploy's rules.
    check_required(params, _TAGGING)
    tags = valid_tags(_tags(params), values_required=True)
    names = valid_tagging_names(optional_string_list(params, "instanceNames"))
    services.on_premises_instances.add_tags(names, tags)
    return {}


def remove_tags_from_on_premises_instances(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _TAGGING)
    tags = valid_tags(_tags(params), values_required=False)
    names = valid_tagging_names(optional_string_list(params, "instanceNames"))
    services.on_premises_instances.remove_tags(names, tags)
    return {}


OPERATIONS: dict[str, Operation] = {
    "RegisterOnPremisesInstance": register_on_premises_instance,
    "DeregisterOnPremisesInstance": deregister_on_premises_instance,
    "GetOnPremisesInstance": get_on_premises_instance,
    "BatchGetOnPremisesInstances": batch_get_on_premises_instances,
    "ListOnPremisesInstances": list_on_premises_instances,
    "AddTagsToOnPremisesInstances": add_tags_to_on_premises_instances,
    "RemoveTagsFromOnPremisesInstances": remove_tags_from_on_premises_instances,
}
