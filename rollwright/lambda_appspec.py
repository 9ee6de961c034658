"""The Lambda AppSpec (YAML or JSON): one function resource and its two traffic hooks.

```yaml
version: 0.0
Resources:
  - myFunction:
      Type: AWS::Lambda::Function
      Properties: {Name: my-fn, Alias: live, CurrentVersion: "1", TargetVersion: "2"}
Hooks:
  - BeforeAllowTraffic: CodeDeployHook_pre
  - AfterAllowTraffic: CodeDeployHook_post
```

Keys are accepted capitalised (the user guide, SAM) or in lower case (``resources``, ``name``,
``currentversion``), as CodeDeploy does; versions quoted or bare. Read by the safe, size-limited
reader of ``yaml_document`` (JSON is YAML). Every refusal is an ``InvalidAppSpecError`` naming the
key and line; CreateDeployment answers it as ``InvalidRevisionException``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from rollwright.appspec import InvalidAppSpecError
from rollwright.yaml_document import DocumentValue, load_document

LAMBDA_APPSPEC_SIZE_LIMIT_BYTES = 64 * 1024
FUNCTION_TYPE = "AWS::Lambda::Function"
# A function name, partial ARN (account:function:name) or full ARN, as Lambda's API takes it.
FUNCTION_NAME = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\d{1}:\d{12}:function:)?"
    r"[a-zA-Z0-9_-]{1,64}"
)
_ALIAS = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}")
_VERSION = re.compile(r"[1-9][0-9]{0,9}")
_Hook = TypeVar("_Hook", bound=StrEnum)


class TrafficHook(StrEnum):
    """The Lambda lifecycle events a hook function may run in (reference §5)."""

    BEFORE_ALLOW_TRAFFIC = "BeforeAllowTraffic"
    AFTER_ALLOW_TRAFFIC = "AfterAllowTraffic"


@dataclass(frozen=True)
class LambdaAppSpec:
    function_name: str
    alias: str
    current_version: str
    target_version: str
    hooks: dict[TrafficHook, str] = field(default_factory=dict)  # event → hook function name


def parse_lambda_appspec(text: str | bytes) -> LambdaAppSpec:
    root = load_document(
        text, what="AppSpec", error=InvalidAppSpecError, size_limit=LAMBDA_APPSPEC_SIZE_LIMIT_BYTES
    )
    version = appspec_member(root, "version", required=True)
    assert version is not None
    if isinstance(version.value, bool) or str(version.value) not in {"0.0", "0"}:
        raise version.error(f"must be 0.0, got {version.value!r}")
    resources = appspec_member(root, "resources", required=True)
    assert resources is not None
    items = resources.items()
    if len(items) != 1:
        raise resources.error(f"must name exactly one Lambda function, got {len(items)}")
    spec = _function(items[0])
    hooks_node = appspec_member(root, "hooks", required=False)
    hooks = _hooks(hooks_node) if hooks_node is not None else {}
    return LambdaAppSpec(**spec, hooks=hooks)


def appspec_member(node: DocumentValue, key: str, *, required: bool) -> DocumentValue | None:
    """A member by CodeDeploy's case-insensitive key (``Resources`` or ``resources``)."""
    members = node.mapping()
    matches = [name for name in members if name.lower() == key.lower()]
    if len(matches) > 1:
        raise node.child(matches[1], None).error(f"repeats {matches[0]}")
    if not matches or members[matches[0]] is None:
        if required:
            raise node.child(key, None).error("is required")
        return None
    return node.child(matches[0], members[matches[0]])


def _function(item: DocumentValue) -> dict[str, str]:
    members = item.mapping()
    if len(members) != 1:
        raise item.error("must be one resource name mapped to its definition")
    (logical_name,) = members
    resource = item.child(logical_name, members[logical_name])
    kind = appspec_member(resource, "type", required=True)
    assert kind is not None
    if kind.value != FUNCTION_TYPE:
        raise kind.error(f"must be {FUNCTION_TYPE}, got {kind.value!r}")
    properties = appspec_member(resource, "properties", required=True)
    assert properties is not None
    name = appspec_text(properties, "name", FUNCTION_NAME, "a Lambda function name or ARN")
    alias = appspec_text(properties, "alias", _ALIAS, "an alias name")
    current = appspec_text(properties, "currentversion", _VERSION, "a published version number")
    target = appspec_text(properties, "targetversion", _VERSION, "a published version number")
    if current == target:
        raise properties.child("TargetVersion", target).error(
            f"must differ from CurrentVersion ({current})"
        )
    return {
        "function_name": name,
        "alias": alias,
        "current_version": current,
        "target_version": target,
    }


def appspec_text(node: DocumentValue, key: str, pattern: re.Pattern[str], what: str) -> str:
    member = appspec_member(node, key, required=True)
    assert member is not None
    text = member.text()
    if not pattern.fullmatch(text):
        raise member.error(f"must be {what}, got {text!r}")
    return text


def _hooks(node: DocumentValue) -> dict[TrafficHook, str]:
    return appspec_hooks(node, TrafficHook, "a Lambda lifecycle hook")


def appspec_hooks(node: DocumentValue, kind: type[_Hook], what: str) -> dict[_Hook, str]:
    """``Hooks``: a list of ``{<event>: <hook function>}``, each event once (Lambda's and ECS's)."""
    hooks: dict[_Hook, str] = {}
    for item in node.items():
        for event_name, function in item.mapping().items():
            entry = item.child(event_name, function)
            try:
                event = kind(event_name)
            except ValueError:
                allowed = " or ".join(hook.value for hook in kind)
                raise entry.error(f"is not {what}: use {allowed}") from None
            if event in hooks:
                raise entry.error("is given twice")
            name = entry.text()
            if not FUNCTION_NAME.fullmatch(name):
                raise entry.error(f"must be a Lambda function name or ARN, got {name!r}")
            hooks[event] = name
    return hooks
