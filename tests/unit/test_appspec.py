"""The Server appspec parser: valid specs round-trip, invalid ones fail clearly, nothing crashes."""

from __future__ import annotations

import contextlib

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rollwright.agent_protocol import FileExistsBehavior
from rollwright.appspec import (
    APPSPEC_SIZE_LIMIT_BYTES,
    AppSpec,
    EventHooks,
    FileMapping,
    HookScript,
    InvalidAppSpecError,
    ObjectType,
    OperatingSystem,
    Permission,
    SELinuxContext,
    appspec_document,
    parse_appspec,
)
from rollwright.lifecycle import RESERVED_EVENTS, LifecycleEvent

SCRIPTABLE = [e for e in LifecycleEvent if e not in RESERVED_EVENTS]
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12)
relative_paths = st.lists(names, min_size=1, max_size=3).map("/".join)
absolute_paths = relative_paths.map(lambda path: "/" + path)

scripts = st.builds(
    HookScript,
    location=relative_paths,
    timeout=st.integers(1, 1200),
    runas=st.none() | names,
    sudo=st.booleans(),
)
permissions = st.builds(
    Permission,
    object=absolute_paths,
    pattern=st.sampled_from(["**", "*.sh", "index.html"]),
    excepted=st.lists(names, max_size=2).map(tuple),
    owner=st.none() | names,
    group=st.none() | names,
    mode=st.none() | st.integers(0, 0o7777),
    acls=st.lists(st.sampled_from(["u:bob:rw", "d:g:ops:r", "group:web:rwx"]), max_size=2).map(
        tuple
    ),
    context=st.none() | st.builds(SELinuxContext, type=names, user=st.none() | names),
    types=st.sampled_from(
        [frozenset(ObjectType), frozenset({ObjectType.FILE}), frozenset({ObjectType.DIRECTORY})]
    ),
)


@st.composite
def appspecs(draw: st.DrawFn) -> AppSpec:
    events = draw(st.lists(st.sampled_from(SCRIPTABLE), unique=True, max_size=4))
    return AppSpec(
        os=OperatingSystem.LINUX,
        files=tuple(
            draw(
                st.lists(
                    st.builds(
                        FileMapping, source=st.just("") | relative_paths, destination=absolute_paths
                    ),
                    max_size=3,
                )
            )
        ),
        permissions=tuple(draw(st.lists(permissions, max_size=2))),
        hooks=tuple(
            EventHooks(event, tuple(draw(st.lists(scripts, min_size=1, max_size=3))))
            for event in events
        ),
        file_exists_behavior=draw(st.none() | st.sampled_from(FileExistsBehavior)),
    )


@given(appspecs())
def test_a_valid_appspec_round_trips_through_yaml(spec: AppSpec) -> None:
    # Given a valid appspec written as YAML
    text = yaml.safe_dump(appspec_document(spec), sort_keys=False)
    # When it is parsed, Then it is the same appspec
    assert parse_appspec(text) == spec


@settings(max_examples=150)
@given(st.text(max_size=400) | st.binary(max_size=400))
def test_arbitrary_text_parses_or_fails_with_the_appspec_error(text: str | bytes) -> None:
    # Given any text at all, When it is parsed, Then only InvalidAppSpecError can escape
    with contextlib.suppress(InvalidAppSpecError):
        parse_appspec(text)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
top_level_keys = st.sampled_from(
    ["version", "os", "files", "permissions", "hooks", "file_exists_behavior"]
)


@settings(max_examples=150)
@given(st.dictionaries(top_level_keys, yaml_values, max_size=6))
def test_arbitrary_yaml_structures_parse_or_fail_with_the_appspec_error(document: dict) -> None:
    # Given any YAML document over the appspec's own keys
    text = yaml.safe_dump({"version": 0.0, "os": "linux", **document})
    # When it is parsed, Then only InvalidAppSpecError can escape
    with contextlib.suppress(InvalidAppSpecError):
        parse_appspec(text)


BASE = "version: 0.0\nos: linux\n"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("version: 1.0\nos: linux\n", "version (line 1)"),
        ("version: 0.0\n", "os"),
        ("version: 0.0\nos: solaris\n", "os (line 2)"),
        (BASE + "hooks:\n  AfterDinner:\n    - location: a.sh\n", "hooks.AfterDinner (line 4)"),
        (BASE + "hooks:\n  DownloadBundle:\n    - location: a.sh\n", "reserved"),
        (BASE + "hooks:\n  AllowTraffic:\n    - location: a.sh\n", "reserved"),
        (BASE + "hooks:\n  BeforeInstall:\n    - timeout: 5\n", "hooks.BeforeInstall[0].location"),
        (BASE + "hooks:\n  BeforeInstall:\n    - location: a\n      timeout: 0\n", "between 1"),
        (BASE + "hooks:\n  BeforeInstall:\n    - location: a\n      timeout: 3601\n", "3601"),
        (
            BASE + "hooks:\n  BeforeInstall:\n"
            "    - location: a\n      timeout: 2000\n    - location: b\n      timeout: 2000\n",
            "add up to 4000",
        ),
        ("version: 0.0\nos: windows\npermissions:\n  - object: /a\n", "windows"),
        (BASE + "permissions:\n  - object: /a\n    mode: rwx\n", "permissions[0].mode (line 5)"),
        (BASE + "permissions:\n  - object: /a\n    mode: 999\n", "octal"),
        (BASE + "permissions:\n  - object: /a\n    acls: ['u::rw']\n", "named setfacl"),
        (BASE + "permissions:\n  - object: /a\n    type: [socket]\n", "file, directory"),
        (BASE + "files:\n  - source: a\n    destination: relative\n", "absolute"),
        (BASE + "files:\n  - source: ../etc\n    destination: /a\n", "inside the bundle"),
        (BASE + "file_exists_behavior: CLOBBER\n", "DISALLOW, OVERWRITE, RETAIN"),
        ("a: &x [1]\nb: *x\n", "anchors and aliases"),
        ("version: 0.0\nos: linux\nfiles: [\n", "not valid YAML"),
        ("", "empty"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_an_invalid_appspec_fails_naming_what_is_wrong(text: str, named: str) -> None:
    # Given an appspec with one mistake, When it is parsed, Then the error names the mistake
    with pytest.raises(InvalidAppSpecError, match=None) as raised:
        parse_appspec(text)
    assert named in str(raised.value)


def test_a_billion_laughs_document_is_refused_without_expanding() -> None:
    # Given the classic alias bomb
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    # When it is parsed, Then it is refused for its anchors
    with pytest.raises(InvalidAppSpecError, match="anchors"):
        parse_appspec(bomb)


def test_an_oversized_appspec_is_refused_before_parsing() -> None:
    # Given an appspec past the size limit
    text = BASE + "#" * APPSPEC_SIZE_LIMIT_BYTES
    # When it is parsed, Then the size is the error
    with pytest.raises(InvalidAppSpecError, match="limit"):
        parse_appspec(text)


def test_codedeploys_documented_example_parses() -> None:
    # Given the user guide's shape, with a mode YAML reads as a number and default timeouts
    text = """\
version: 0.0
os: linux
files:
  - source: /
    destination: /var/app
permissions:
  - object: /var/app
    owner: app
    mode: 644
    type: [file]
hooks:
  ApplicationStop:
    - location: scripts/stop.sh
      timeout: 300
      runas: app
  AfterInstall:
    - location: scripts/one.sh
    - location: scripts/two.sh
"""
    # When it is parsed
    spec = parse_appspec(text)
    # Then the values are CodeDeploy's reading of it
    assert spec.files == (FileMapping("", "/var/app"),)
    assert spec.permissions[0].mode == 0o644
    assert spec.scripts(LifecycleEvent.APPLICATION_STOP) == (
        HookScript("scripts/stop.sh", 300, "app"),
    )
    assert [s.timeout for s in spec.scripts(LifecycleEvent.AFTER_INSTALL)] == [3600, 3600]
