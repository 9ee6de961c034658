"""The application operations: CreateApplication, GetApplication, BatchGetApplications,
ListApplications, UpdateApplication, DeleteApplication."""

from __future__ import annotations

from rollwright.applications import (
    Application,
    Tag,
    valid_application_name,
    valid_application_names,
    valid_compute_platform,
    valid_tags,
)
from rollwright.errors import ApplicationNameRequiredException
from rollwright.model_constraints import check_required
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import (
    optional_string,
    optional_string_list,
    optional_structure_list,
)

# The model's required member of most application operations, with its exception.
_APPLICATION_NAME = {"applicationName": ApplicationNameRequiredException}


def application_info(application: Application) -> Result:
    """An ``ApplicationInfo`` shape."""
    info: Result = {
        "applicationId": application.application_id,
        "applicationName": application.name,
        "createTime": application.create_time,
        "linkedToGitHub": application.linked_to_github,
        "computePlatform": application.compute_platform.value,
    }
    if application.github_account_name is not None:
        info["gitHubAccountName"] = application.github_account_name
    return info


def create_application(services: CodeDeployServices, params: Params) -> Result:
    # The model first (the name's required, length and pattern; the platform's enum), then
    # CodeDeploy's rules (the tags): rollwright.model_constraints.
    check_required(params, _APPLICATION_NAME)
    name = valid_application_name(optional_string(params, "applicationName"))
    platform = valid_compute_platform(optional_string(params, "computePlatform"))
    raw_tags = optional_structure_list(params, "tags", string_members=("Key", "Value")) or []
    tags = valid_tags([Tag(tag["Key"] or "", tag["Value"] or "") for tag in raw_tags])
    created = services.applications.create(name=name, compute_platform=platform, tags=tags)
    return {"applicationId": created.application_id}


def get_application(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _APPLICATION_NAME)
    name = valid_application_name(optional_string(params, "applicationName"))
    return {"application": application_info(services.applications.get(name))}


def batch_get_applications(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, {"applicationNames": ApplicationNameRequiredException})
    names = valid_application_names(optional_string_list(params, "applicationNames"))
    return {
        "applicationsInfo": [application_info(a) for a in services.applications.batch_get(names)]
    }


def list_applications(services: CodeDeployServices, params: Params) -> Result:
    page = services.applications.page(optional_string(params, "nextToken"))
    result: Result = {"applications": list(page.names)}
    if page.next_token is not None:
        result["nextToken"] = page.next_token
    return result


def update_application(services: CodeDeployServices, params: Params) -> Result:
    # The model leaves both names optional: each given name's length and pattern first, then
    # CodeDeploy's rule that both are needed.
    raw_name = optional_string(params, "applicationName")
    raw_new_name = optional_string(params, "newApplicationName")
    for given in (raw_name, raw_new_name):
        if given is not None:
            valid_application_name(given)
    name, new_name = valid_application_name(raw_name), valid_application_name(raw_new_name)
    services.applications.rename(name=name, new_name=new_name)
    return {}


def delete_application(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _APPLICATION_NAME)
    name = valid_application_name(optional_string(params, "applicationName"))
    # Its revisions and groups go first: a retry after a failure part-way still finds the
    # application.
    services.revisions.forget_application(name)
    services.deployment_groups.delete_all_of_application(name)
    services.applications.delete(name)
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateApplication": create_application,
    "GetApplication": get_application,
    "BatchGetApplications": batch_get_applications,
    "ListApplications": list_applications,
    "UpdateApplication": update_application,
    "DeleteApplication": delete_application,
}
