"""Operation name → the function that reads its request, calls the domain and shapes its result.

Each function turns the request members into checked values (so bad input fails before anything
is written) and returns a result in the member names of the operation's output shape in botocore's
CodeDeploy model; timestamps stay ``datetime`` for the protocol to encode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rollwright.applications import (
    Application,
    Applications,
    Tag,
    valid_application_name,
    valid_application_names,
    valid_compute_platform,
    valid_tags,
)
from rollwright.errors import UnknownOperationException
from rollwright.request_members import (
    optional_string,
    optional_string_list,
    optional_structure_list,
)

Params = Mapping[str, Any]
Result = dict[str, Any]
Operation = Callable[[Applications, Params], Result]


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


def create_application(applications: Applications, params: Params) -> Result:
    name = valid_application_name(optional_string(params, "applicationName"))
    platform = valid_compute_platform(optional_string(params, "computePlatform"))
    raw_tags = optional_structure_list(params, "tags", string_members=("Key", "Value")) or []
    tags = valid_tags([Tag(tag["Key"] or "", tag["Value"] or "") for tag in raw_tags])
    created = applications.create(name=name, compute_platform=platform, tags=tags)
    return {"applicationId": created.application_id}


def get_application(applications: Applications, params: Params) -> Result:
    name = valid_application_name(optional_string(params, "applicationName"))
    return {"application": application_info(applications.get(name))}


def batch_get_applications(applications: Applications, params: Params) -> Result:
    names = valid_application_names(optional_string_list(params, "applicationNames"))
    return {"applicationsInfo": [application_info(a) for a in applications.batch_get(names)]}


def list_applications(applications: Applications, params: Params) -> Result:
    page = applications.page(optional_string(params, "nextToken"))
    result: Result = {"applications": list(page.names)}
    if page.next_token is not None:
        result["nextToken"] = page.next_token
    return result


def update_application(applications: Applications, params: Params) -> Result:
    name = valid_application_name(optional_string(params, "applicationName"))
    new_name = valid_application_name(optional_string(params, "newApplicationName"))
    applications.rename(name=name, new_name=new_name)
    return {}


def delete_application(applications: Applications, params: Params) -> Result:
    applications.delete(valid_application_name(optional_string(params, "applicationName")))
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateApplication": create_application,
    "GetApplication": get_application,
    "BatchGetApplications": batch_get_applications,
    "ListApplications": list_applications,
    "UpdateApplication": update_application,
    "DeleteApplication": delete_application,
}


def dispatch(operation: str, params: Params, applications: Applications) -> Result:
    try:
        function = OPERATIONS[operation]
    except KeyError:
        raise UnknownOperationException(f"Operation {operation} is not supported.") from None
    return function(applications, params)
