"""The tagging operations: TagResource, UntagResource, ListTagsForResource (applications and
deployment groups, by ARN)."""

from __future__ import annotations

from rollwright.applications import Tag
from rollwright.errors import ResourceArnRequiredException, TagRequiredException
from rollwright.model_constraints import check_required
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import (
    optional_string,
    optional_string_list,
    optional_structure_list,
)
from rollwright.resource_tags import (
    resource_of,
    valid_resource_arn,
    valid_tag_keys,
    valid_tags_to_add,
)


def tag_resource(services: CodeDeployServices, params: Params) -> Result:
    # The model first (both members required, the ARN's length), then CodeDeploy's rules: the
    # ARN must name a taggable resource here, the tags must be valid.
    check_required(
        params, {"ResourceArn": ResourceArnRequiredException, "Tags": TagRequiredException}
    )
    arn = valid_resource_arn(optional_string(params, "ResourceArn"))
    raw = optional_structure_list(params, "Tags", string_members=("Key", "Value"))
    given = None if raw is None else [Tag(t["Key"] or "", t["Value"] or "") for t in raw]
    tags = services.resource_tags
    tags.tag(resource_of(arn, tags.scope), valid_tags_to_add(given))
    return {}


def untag_resource(services: CodeDeployServices, params: Params) -> Result:
    # The model first, then CodeDeploy's rules (see tag_resource).
    check_required(
        params, {"ResourceArn": ResourceArnRequiredException, "TagKeys": TagRequiredException}
    )
    arn = valid_resource_arn(optional_string(params, "ResourceArn"))
    keys = optional_string_list(params, "TagKeys")
    tags = services.resource_tags
    tags.untag(resource_of(arn, tags.scope), valid_tag_keys(keys))
    return {}


def list_tags_for_resource(services: CodeDeployServices, params: Params) -> Result:
    """Every tag in one page (at most 50 exist), so no ``NextToken`` is ever handed out; a token
    given anyway names the end of the listing and gets an empty page."""
    check_required(params, {"ResourceArn": ResourceArnRequiredException})
    arn = valid_resource_arn(optional_string(params, "ResourceArn"))
    tags = services.resource_tags
    resource = resource_of(arn, tags.scope)
    if optional_string(params, "NextToken") is not None:
        return {"Tags": []}
    return {"Tags": [{"Key": t.key, "Value": t.value} for t in tags.list(resource)]}


OPERATIONS: dict[str, Operation] = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
