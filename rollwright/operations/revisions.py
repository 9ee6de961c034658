"""The application revision operations: RegisterApplicationRevision, GetApplicationRevision,
BatchGetApplicationRevisions, ListApplicationRevisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollwright.applications import valid_application_name
from rollwright.errors import ApplicationNameRequiredException, RevisionRequiredException
from rollwright.model_constraints import check_required
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import optional_string, optional_structure, optional_structures
from rollwright.revision_listing import valid_list_query
from rollwright.revision_locations import (
    AppSpecText,
    GitHubLocation,
    RevisionLocation,
    RevisionRequest,
    RevisionType,
    S3Location,
    check_revision_enums,
    valid_revision,
)
from rollwright.revisions import ApplicationRevision, valid_description, valid_revision_batch

# The model's required members of most revision operations, each with its exception.
_APPLICATION_AND_REVISION = {
    "applicationName": ApplicationNameRequiredException,
    "revision": RevisionRequiredException,
}


def revision_request(members: Mapping[str, Any] | None) -> RevisionRequest | None:
    """A ``RevisionLocation`` structure's members, type-checked but not yet validated."""
    if members is None:
        return None
    s3 = optional_structure(members, "s3Location")
    github = optional_structure(members, "gitHubLocation")
    revision_type = optional_string(members, "revisionType")
    text_member = "string" if revision_type == RevisionType.STRING else "appSpecContent"
    text = optional_structure(members, text_member)
    return RevisionRequest(
        revision_type=revision_type,
        bucket=optional_string(s3 or {}, "bucket"),
        key=optional_string(s3 or {}, "key"),
        bundle_type=optional_string(s3 or {}, "bundleType"),
        version=optional_string(s3 or {}, "version"),
        etag=optional_string(s3 or {}, "eTag"),
        repository=optional_string(github or {}, "repository"),
        commit_id=optional_string(github or {}, "commitId"),
        content=optional_string(text or {}, "content"),
        sha256=optional_string(text or {}, "sha256"),
        s3_location_given=s3 is not None,
        github_location_given=github is not None,
        text_given=text is not None,
    )


def _revision_request(members: Mapping[str, Any] | None) -> RevisionRequest:
    """A required ``RevisionLocation``, read and checked against the model's enums."""
    request = revision_request(members)
    if request is None:
        raise RevisionRequiredException("The revision is required.")
    check_revision_enums(request)
    return request


def revision_location(location: RevisionLocation) -> Result:
    """A ``RevisionLocation`` shape."""
    if isinstance(location, S3Location):
        s3: Result = {
            "bucket": location.bucket,
            "key": location.key,
            "bundleType": location.bundle_type.value,
        }
        if location.version is not None:
            s3["version"] = location.version
        if location.etag is not None:
            s3["eTag"] = location.etag
        return {"revisionType": "S3", "s3Location": s3}
    if isinstance(location, GitHubLocation):
        github = {"repository": location.repository, "commitId": location.commit_id}
        return {"revisionType": "GitHub", "gitHubLocation": github}
    return {"revisionType": location.revision_type.value, _text_member(location): _text(location)}


def _text_member(location: AppSpecText) -> str:
    return "string" if location.revision_type is RevisionType.STRING else "appSpecContent"


def _text(location: AppSpecText) -> Result:
    text: Result = {"sha256": location.sha256}
    if location.content is not None:
        text["content"] = location.content
    return text


def generic_revision_info(revision: ApplicationRevision) -> Result:
    """A ``GenericRevisionInfo`` shape."""
    info: Result = {
        "deploymentGroups": list(revision.deployment_groups),
        "registerTime": revision.register_time,
    }
    if revision.description is not None:
        info["description"] = revision.description
    if revision.first_used_time is not None:
        info["firstUsedTime"] = revision.first_used_time
    if revision.last_used_time is not None:
        info["lastUsedTime"] = revision.last_used_time
    return info


def register_application_revision(services: CodeDeployServices, params: Params) -> Result:
    # The model first (required members, the name, the revision's enums), then CodeDeploy's
    # rules (the description's length, the revision's members): rollwright.model_constraints.
    check_required(params, _APPLICATION_AND_REVISION)
    name = valid_application_name(optional_string(params, "applicationName"))
    request = _revision_request(optional_structure(params, "revision"))
    description = valid_description(optional_string(params, "description"))
    location = valid_revision(request, content_required=True)
    services.revisions.register(application_name=name, location=location, description=description)
    return {}


def get_application_revision(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _APPLICATION_AND_REVISION)
    name = valid_application_name(optional_string(params, "applicationName"))
    request = _revision_request(optional_structure(params, "revision"))
    revision = services.revisions.get(name, valid_revision(request, content_required=False))
    return {
        "applicationName": name,
        "revision": revision_location(revision.location),
        "revisionInfo": generic_revision_info(revision),
    }


def batch_get_application_revisions(services: CodeDeployServices, params: Params) -> Result:
    check_required(
        params,
        {
            "applicationName": ApplicationNameRequiredException,
            "revisions": RevisionRequiredException,
        },
    )
    name = valid_application_name(optional_string(params, "applicationName"))
    requests = [_revision_request(r) for r in optional_structures(params, "revisions") or ()]
    locations = valid_revision_batch(
        [valid_revision(request, content_required=False) for request in requests]
    )
    batch = services.revisions.batch_get(name, locations)
    result: Result = {
        "applicationName": name,
        "revisions": [
            {
                "revisionLocation": revision_location(revision.location),
                "genericRevisionInfo": generic_revision_info(revision),
            }
            for revision in batch.revisions
        ],
    }
    if batch.missing:
        result["errorMessage"] = (
            f"{len(batch.missing)} of the revisions asked for are not registered with "
            f"application {name}."
        )
    return result


def list_application_revisions(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, {"applicationName": ApplicationNameRequiredException})
    name = valid_application_name(optional_string(params, "applicationName"))
    query = valid_list_query(
        sort_by=optional_string(params, "sortBy"),
        sort_order=optional_string(params, "sortOrder"),
        s3_bucket=optional_string(params, "s3Bucket"),
        s3_key_prefix=optional_string(params, "s3KeyPrefix"),
        deployed=optional_string(params, "deployed"),
    )
    page = services.revisions.page(name, query, optional_string(params, "nextToken"))
    result: Result = {"revisions": [revision_location(location) for location in page.locations]}
    if page.next_token is not None:
        result["nextToken"] = page.next_token
    return result


OPERATIONS: dict[str, Operation] = {
    "RegisterApplicationRevision": register_application_revision,
    "GetApplicationRevision": get_application_revision,
    "BatchGetApplicationRevisions": batch_get_application_revisions,
    "ListApplicationRevisions": list_application_revisions,
}
