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
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import (
    optional_string,
    optional_string_list,
    optional_structure_list,
)


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
    # Every member is read (type-checked) before any value is judged: AWS deserializes the whole
    # body first, so a member of the wrong type is a SerializationException whatever the rest is.
    raw_name = optional_string(params, "applicationName")
    raw_platform = optional_string(params, "computePlatform")
    raw_tags = optional_structure_list(params, "tags", string_members=("Key", "Value")) or []
    name = valid_application_name(raw_name)
    platform = valid_compute_platform(raw_platform)
    tags = valid_tags([Tag(tag["Key"] or "", tag["Value"] or "") for tag in raw_tags])
    created = services.applications.create(name=name, compute_platform=platform, tags=tags)
    return {"applicationId": created.application_id}


def get_application(services: CodeDeployServices, params: Params) -> Result:
    name = valid_application_name(optional_string(params, "applicationName"))
    return {"application": application_info(services.applications.get(name))}


def batch_get_applications(services: CodeDeployServices, params: Params) -> Result:
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
    # Both members are read before either is judged (see create_application).
    raw_name = optional_string(params, "applicationName")
    raw_new_name = optional_string(params, "newApplicationName")
    name, new_name = valid_application_name(raw_name), valid_application_name(raw_new_name)
    services.applications.rename(name=name, new_name=new_name)
    return {}


def delete_application(services: CodeDeployServices, params: Params) -> Result:
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
