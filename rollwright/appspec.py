"""The Server (EC2/on-premises) ``appspec.yml``: one parser into small frozen values.

Used by the host agent before it runs anything and by the control plane when it validates a
revision. YAML is read by ``rollwright.yaml_document`` (safe, size-limited, no anchors or aliases).
Every refusal is an ``InvalidAppSpecError`` whose message names the key and, where the YAML parser
knows it, the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from rollwright.agent_protocol import FileExistsBehavior
from rollwright.lifecycle import RESERVED_EVENTS, LifecycleEvent
from rollwright.yaml_document import DocumentValue, load_document

APPSPEC_SIZE_LIMIT_BYTES = 256 * 1024
APPSPEC_VERSION = "0.0"
MAX_EVENT_TIMEOUT_SECONDS = 3600
DEFAULT_SCRIPT_TIMEOUT_SECONDS = 3600
DEFAULT_PATTERN = "**"

# setfacl entries with a name: CodeDeploy rejects the unnamed ones (u::rw, m::r, o::r).
_ACL_ENTRY = re.compile(r"^(?:d:|default:)?(?:u|user|g|group):[^:\s]+:[rwx-]{1,3}$")
_MODE = re.compile(r"^[0-7]{1,4}$")


class InvalidAppSpecError(ValueError):
    """An appspec that cannot be used; nothing may act on it."""


class OperatingSystem(StrEnum):
    LINUX = "linux"
    WINDOWS = "windows"


class ObjectType(StrEnum):
    FILE = "file"
    DIRECTORY = "directory"


@dataclass(frozen=True)
class FileMapping:
    source: str  # relative to the bundle root; "" is the whole bundle ("/" in the appspec)
    destination: str


@dataclass(frozen=True)
class SELinuxContext:
    type: str
    user: str | None = None
    range: str | None = None


@dataclass(frozen=True)
class Permission:
    object: str
    pattern: str = DEFAULT_PATTERN
    excepted: tuple[str, ...] = ()  # the appspec's ``except``
    owner: str | None = None
    group: str | None = None
    mode: int | None = None
    acls: tuple[str, ...] = ()
    context: SELinuxContext | None = None
    types: frozenset[ObjectType] = frozenset(ObjectType)


@dataclass(frozen=True)
class HookScript:
    location: str  # relative to the deployment archive
    timeout: int = DEFAULT_SCRIPT_TIMEOUT_SECONDS
    runas: str | None = None
    sudo: bool = False


@dataclass(frozen=True)
class EventHooks:
    event: LifecycleEvent
    scripts: tuple[HookScript, ...]


@dataclass(frozen=True)
class AppSpec:
    os: OperatingSystem
    files: tuple[FileMapping, ...] = ()
    permissions: tuple[Permission, ...] = ()
    hooks: tuple[EventHooks, ...] = ()
    file_exists_behavior: FileExistsBehavior | None = None

    def scripts(self, event: LifecycleEvent) -> tuple[HookScript, ...]:
        for event_hooks in self.hooks:
            if event_hooks.event is event:
                return event_hooks.scripts
        return ()


def parse_appspec(text: str | bytes) -> AppSpec:
    """Reads an appspec's text; raises ``InvalidAppSpecError`` for anything unusable."""
    return _read_appspec(
        load_document(
            text, what="appspec", error=InvalidAppSpecError, size_limit=APPSPEC_SIZE_LIMIT_BYTES
        )
    )


def appspec_document(spec: AppSpec) -> dict[str, Any]:
    """The appspec as YAML-ready data; ``parse_appspec`` of its YAML gives ``spec`` back."""
    document: dict[str, Any] = {"version": 0.0, "os": spec.os.value}
    if spec.files:
        document["files"] = [
            {"source": mapping.source or "/", "destination": mapping.destination}
            for mapping in spec.files
        ]
    if spec.permissions:
        document["permissions"] = [_permission_document(p) for p in spec.permissions]
    if spec.hooks:
        document["hooks"] = {
            hooks.event.value: [_script_document(script) for script in hooks.scripts]
            for hooks in spec.hooks
        }
    if spec.file_exists_behavior is not None:
        document["file_exists_behavior"] = spec.file_exists_behavior.value
    return document


# --- reading ----------------------------------------------------------------------------------


def _read_appspec(root: DocumentValue) -> AppSpec:
    root.mapping()
    version = root.required("version")
    if isinstance(version.value, bool) or str(version.value) not in {APPSPEC_VERSION, "0"}:
        raise version.error(f"must be {APPSPEC_VERSION}, got {version.value!r}")
    os_node = root.required("os")
    operating_system = DocumentValue.choice(os_node, OperatingSystem)
    files = tuple(_file_mapping(item, operating_system) for item in _items(root, "files"))
    permissions = tuple(_permission(item) for item in _items(root, "permissions"))
    if permissions and operating_system is OperatingSystem.WINDOWS:
        raise root.child("permissions", None).error("is not supported with os: windows")
    behavior_node = root.member("file_exists_behavior")
    behavior = DocumentValue.choice(behavior_node, FileExistsBehavior) if behavior_node else None
    hooks_node = root.member("hooks")
    hooks = _hooks(hooks_node) if hooks_node is not None else ()
    return AppSpec(
        os=operating_system,
        files=files,
        permissions=permissions,
        hooks=hooks,
        file_exists_behavior=behavior,
    )


def _items(parent: DocumentValue, key: str) -> list[DocumentValue]:
    node = parent.member(key)
    return node.items() if node is not None else []


def _file_mapping(node: DocumentValue, operating_system: OperatingSystem) -> FileMapping:
    node.mapping()
    source = node.required("source")
    destination = node.required("destination")
    target = destination.text()
    if not _is_absolute(target, operating_system):
        raise destination.error(f"must be an absolute path, got {target!r}")
    return FileMapping(source=_relative(source), destination=target)


def _permission(node: DocumentValue) -> Permission:
    node.mapping()
    target = node.required("object")
    object_path = target.text()
    if not object_path.startswith("/"):
        raise target.error(f"must be an absolute path, got {object_path!r}")
    pattern = node.member("pattern")
    excepted = node.member("except")
    acls = node.member("acls")
    types = node.member("type")
    return Permission(
        object=object_path,
        pattern=pattern.text() if pattern else DEFAULT_PATTERN,
        excepted=excepted.texts() if excepted else (),
        owner=_optional_text(node, "owner"),
        group=_optional_text(node, "group"),
        mode=_mode(node.member("mode")),
        acls=_acls(acls) if acls else (),
        context=_context(node.member("context")),
        types=frozenset(DocumentValue.choice(item, ObjectType) for item in types.items())
        if types
        else frozenset(ObjectType),
    )


def _mode(node: DocumentValue | None) -> int | None:
    if node is None:
        return None
    # YAML reads 644 as the integer 644 (and 0644 as octal 420, which is why the docs say to quote
    # a leading zero); CodeDeploy reads the digits either way.
    if isinstance(node.value, bool) or not isinstance(node.value, int | str):
        raise node.error("must be a numeric mode such as 644")
    digits = str(node.value)
    if not _MODE.match(digits):
        raise node.error(f"must be a numeric mode of up to four octal digits, got {digits!r}")
    return int(digits, 8)


def _acls(node: DocumentValue) -> tuple[str, ...]:
    entries = node.texts()
    for index, entry in enumerate(entries):
        if not _ACL_ENTRY.match(entry):
            raise node.child(index, entry).error(
                f"{entry!r} is not a named setfacl entry such as u:bob:rw or d:g:ops:r"
            )
    return entries


def _context(node: DocumentValue | None) -> SELinuxContext | None:
    if node is None:
        return None
    node.mapping()
    kind = node.required("type")
    return SELinuxContext(
        type=kind.text(),
        user=_optional_text(node, "user"),
        range=_optional_text(node, "range"),
    )


def _hooks(node: DocumentValue) -> tuple[EventHooks, ...]:
    hooks = []
    for name in node.mapping():
        event_node = node.child(name, node.value[name])
        try:
            event = LifecycleEvent(name)
        except ValueError:
            raise event_node.error("is not a lifecycle event") from None
        if event in RESERVED_EVENTS:
            raise event_node.error("is reserved for CodeDeploy and cannot have scripts")
        scripts = tuple(_script(item) for item in event_node.items())
        # Only written timeouts count: CodeDeploy's agent runs several scripts with the default
        # 3600 s each, and users' bundles rely on that.
        total = sum(
            script.timeout
            for item, script in zip(event_node.items(), scripts, strict=True)
            if item.member("timeout") is not None
        )
        if total > MAX_EVENT_TIMEOUT_SECONDS:
            raise event_node.error(
                f"script timeouts add up to {total} seconds; one lifecycle event may take at most "
                f"{MAX_EVENT_TIMEOUT_SECONDS}"
            )
        hooks.append(EventHooks(event=event, scripts=scripts))
    return tuple(hooks)


def _script(node: DocumentValue) -> HookScript:
    node.mapping()
    location = node.required("location")
    timeout = DEFAULT_SCRIPT_TIMEOUT_SECONDS
    timeout_node = node.member("timeout")
    if timeout_node is not None:
        value = timeout_node.value
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise timeout_node.error(f"must be a whole number of seconds, got {value!r}")
        if not 1 <= value <= MAX_EVENT_TIMEOUT_SECONDS:
            raise timeout_node.error(
                f"must be between 1 and {MAX_EVENT_TIMEOUT_SECONDS} seconds, got {value}"
            )
        timeout = value
    sudo_node = node.member("sudo")
    if sudo_node is not None and not isinstance(sudo_node.value, bool):
        raise sudo_node.error("must be true or false")
    return HookScript(
        location=_relative(location),
        timeout=timeout,
        runas=_optional_text(node, "runas"),
        sudo=bool(sudo_node.value) if sudo_node else False,
    )


def _relative(node: DocumentValue) -> str:
    """A path inside the bundle: CodeDeploy joins it to the archive, so a leading / is dropped."""
    text = node.text().replace("\\", "/")
    parts = [part for part in text.split("/") if part not in {"", "."}]
    if ".." in parts:
        raise node.error(f"must stay inside the bundle, got {node.value!r}")
    return "/".join(parts)


def _is_absolute(path: str, operating_system: OperatingSystem) -> bool:
    if operating_system is OperatingSystem.WINDOWS:
        return PureWindowsPath(path).is_absolute()
    return PurePosixPath(path).is_absolute()


def _optional_text(parent: DocumentValue, key: str) -> str | None:
    node = parent.member(key)
    return node.text() if node is not None else None


# --- writing ----------------------------------------------------------------------------------


def _permission_document(permission: Permission) -> dict[str, Any]:
    document: dict[str, Any] = {"object": permission.object, "pattern": permission.pattern}
    if permission.excepted:
        document["except"] = list(permission.excepted)
    if permission.owner is not None:
        document["owner"] = permission.owner
    if permission.group is not None:
        document["group"] = permission.group
    if permission.mode is not None:
        document["mode"] = f"{permission.mode:o}"
    if permission.acls:
        document["acls"] = list(permission.acls)
    if permission.context is not None:
        context = {"type": permission.context.type}
        if permission.context.user is not None:
            context["user"] = permission.context.user
        if permission.context.range is not None:
            context["range"] = permission.context.range
        document["context"] = context
    document["type"] = sorted(kind.value for kind in permission.types)
    return document


def _script_document(script: HookScript) -> dict[str, Any]:
    document: dict[str, Any] = {"location": script.location, "timeout": script.timeout}
    if script.runas is not None:
        document["runas"] = script.runas
    if script.sudo:
        document["sudo"] = True
    return document
