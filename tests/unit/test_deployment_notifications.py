"""Which state changes are notified, to whom, and in CodeDeploy's shapes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from rollwright.account_region import AccountRegion
from rollwright.applications import ComputePlatform
from rollwright.deployment_group_settings import (
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
    TriggerConfig,
    TriggerEventType,
)
from rollwright.deployment_notifications import (
    DEPLOYMENT_DETAIL_TYPE,
    EVENT_SOURCE,
    INSTANCE_DETAIL_TYPE,
    DeploymentIdentity,
    deployment_notifications,
    deployment_trigger_events,
    instance_notifications,
    instance_trigger_events,
    matching_triggers,
)
from rollwright.deployment_records import (
    DeploymentChoices,
    DeploymentError,
    DeploymentOverview,
    RollbackInfo,
    StoredDeployment,
    StoredTarget,
)
from rollwright.deployment_status import DeploymentStatus as D
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.lifecycle_segments import InstanceLifecycleEvent
from rollwright.revision_locations import BundleType, S3Location
from rollwright.rollout import InstanceStatus as I
from rollwright.target_selection import TargetKind

T = TriggerEventType
PLACE = AccountRegion("aws", "eu-west-1", "111122223333")
AT = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)
CREATED = datetime(2026, 11, 27, 9, 58, 3, 250000, tzinfo=UTC)
COMPLETED = datetime(2026, 11, 27, 9, 59, 41, tzinfo=UTC)
IDENTITY = DeploymentIdentity(
    deployment_id="d-ABCDEF123",
    application_name="web",
    deployment_group_name="prod",
    deployment_group_id="8cd3bfa8-9e72-4cbe-a1e5-da4efc7efd49",
)
DEPLOYMENT = StoredDeployment(
    deployment_id="d-ABCDEF123",
    application_name="web",
    deployment_group_name="prod",
    deployment_config_name="CodeDeployDefault.OneAtATime",
    status=D.IN_PROGRESS,
    choices=DeploymentChoices(
        compute_platform=ComputePlatform.SERVER,
        revision=S3Location("bucket", "app.zip", BundleType.ZIP),
        deployment_style=DeploymentStyle(
            DeploymentType.IN_PLACE, DeploymentOption.WITHOUT_TRAFFIC_CONTROL
        ),
    ),
    create_time=CREATED,
    overview=DeploymentOverview(pending=1, in_progress=1, succeeded=1),
)
TARGET = StoredTarget(
    deployment_id="d-ABCDEF123",
    host_id="h-1",
    instance_name="i-0123456789abcdef0",
    kind=TargetKind.EC2,
    status=I.SUCCEEDED,
    last_updated_at=datetime(2026, 11, 27, 9, 59, 1, 500000, tzinfo=UTC),
    lifecycle_events=(
        InstanceLifecycleEvent(
            LifecycleEvent.BEFORE_INSTALL,
            LifecycleEventStatus.SUCCEEDED,
            datetime(2026, 11, 27, 9, 58, 10, tzinfo=UTC),
            datetime(2026, 11, 27, 9, 58, 11, 125000, tzinfo=UTC),
        ),
        InstanceLifecycleEvent(LifecycleEvent.VALIDATE_SERVICE, LifecycleEventStatus.PENDING),
    ),
)
ALL_DEPLOYMENT_EVENTS = tuple(e for e in T if e.value.startswith("Deployment"))
ALL_INSTANCE_EVENTS = tuple(e for e in T if e.value.startswith("Instance"))


def _trigger(name: str, *events: TriggerEventType) -> TriggerConfig:
    return TriggerConfig(name, f"arn:aws:sns:eu-west-1:111122223333:{name}", events)


# --- which changes are notified ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (None, D.CREATED, (T.DEPLOYMENT_START,)),
        (None, D.QUEUED, (T.DEPLOYMENT_START,)),
        (None, D.FAILED, (T.DEPLOYMENT_START, T.DEPLOYMENT_FAILURE)),
        (D.CREATED, D.IN_PROGRESS, ()),
        (D.QUEUED, D.IN_PROGRESS, ()),
        (D.IN_PROGRESS, D.IN_PROGRESS, ()),
        (D.IN_PROGRESS, D.BAKING, ()),
        (D.IN_PROGRESS, D.SUCCEEDED, (T.DEPLOYMENT_SUCCESS,)),
        (D.BAKING, D.SUCCEEDED, (T.DEPLOYMENT_SUCCESS,)),
        (D.IN_PROGRESS, D.FAILED, (T.DEPLOYMENT_FAILURE,)),
        (D.CREATED, D.FAILED, (T.DEPLOYMENT_FAILURE,)),
        (D.IN_PROGRESS, D.STOPPED, (T.DEPLOYMENT_STOP,)),
        (D.CREATED, D.STOPPED, (T.DEPLOYMENT_STOP,)),
        (D.IN_PROGRESS, D.READY, (T.DEPLOYMENT_READY,)),
        (D.READY, D.IN_PROGRESS, ()),
        (D.SUCCEEDED, D.SUCCEEDED, ()),
        (D.FAILED, D.FAILED, ()),
        (D.IN_PROGRESS, None, ()),
    ],
)
def test_a_deployment_status_change_is_its_trigger_events(old, new, expected) -> None:
    # Given a deployment item going from old to new / When deciding / Then these events
    assert deployment_trigger_events(old, new) == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (None, D.CREATED, (T.DEPLOYMENT_START,)),
        (D.CREATED, D.IN_PROGRESS, (T.DEPLOYMENT_ROLLBACK,)),
        (D.IN_PROGRESS, D.SUCCEEDED, (T.DEPLOYMENT_SUCCESS,)),
    ],
)
def test_a_rollback_entering_in_progress_is_deployment_rollback(old, new, expected) -> None:
    assert deployment_trigger_events(old, new, is_rollback=True) == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (None, I.PENDING, ()),
        (I.PENDING, I.IN_PROGRESS, (T.INSTANCE_START,)),
        (I.IN_PROGRESS, I.IN_PROGRESS, ()),
        (I.IN_PROGRESS, I.SUCCEEDED, (T.INSTANCE_SUCCESS,)),
        (I.IN_PROGRESS, I.FAILED, (T.INSTANCE_FAILURE,)),
        (I.PENDING, I.FAILED, (T.INSTANCE_FAILURE,)),
        (I.PENDING, I.SKIPPED, ()),
        (I.IN_PROGRESS, I.READY, (T.INSTANCE_READY,)),
        (I.SUCCEEDED, I.FAILED, ()),
        (I.SKIPPED, I.FAILED, ()),
        (I.IN_PROGRESS, None, ()),
    ],
)
def test_an_instance_status_change_is_its_trigger_events(old, new, expected) -> None:
    assert instance_trigger_events(old, new) == expected


def test_only_triggers_naming_the_event_match() -> None:
    # Given three triggers with different events
    failures = _trigger("failures", T.DEPLOYMENT_FAILURE, T.INSTANCE_FAILURE)
    everything = _trigger("everything", *T)
    starts = _trigger("starts", T.DEPLOYMENT_START)
    # When matching a deployment failure / Then only those naming it
    assert matching_triggers([failures, everything, starts], T.DEPLOYMENT_FAILURE) == (
        failures,
        everything,
    )
    assert matching_triggers([failures, starts], T.INSTANCE_SUCCESS) == ()


# --- EventBridge events ------------------------------------------------------------------------


def test_a_deployment_event_has_codedeploys_detail_and_resources() -> None:
    # Given a deployment that succeeded / When notifying without triggers
    found = deployment_notifications([T.DEPLOYMENT_SUCCESS], DEPLOYMENT, IDENTITY, (), PLACE, at=AT)
    # Then one event on the bus, no messages
    assert found.messages == ()
    (event,) = found.events
    entry = event.entry()
    assert (entry["Source"], entry["DetailType"], entry["Time"]) == (
        EVENT_SOURCE,
        DEPLOYMENT_DETAIL_TYPE,
        AT,
    )
    assert json.loads(entry["Detail"]) == {
        "account": "111122223333",
        "region": "eu-west-1",
        "application": "web",
        "deploymentId": "d-ABCDEF123",
        "instanceGroupId": "8cd3bfa8-9e72-4cbe-a1e5-da4efc7efd49",
        "deploymentGroup": "prod",
        "state": "SUCCESS",
    }
    assert entry["Resources"] == [
        "arn:aws:codedeploy:eu-west-1:111122223333:application:web",
        "arn:aws:codedeploy:eu-west-1:111122223333:deploymentgroup:web/prod",
    ]


@pytest.mark.parametrize(
    ("event", "state"),
    [
        (T.DEPLOYMENT_START, "START"),
        (T.DEPLOYMENT_SUCCESS, "SUCCESS"),
        (T.DEPLOYMENT_FAILURE, "FAILURE"),
        (T.DEPLOYMENT_STOP, "STOP"),
        (T.DEPLOYMENT_READY, "READY"),
    ],
)
def test_each_deployment_event_has_its_state(event, state) -> None:
    (found,) = deployment_notifications([event], DEPLOYMENT, IDENTITY, (), PLACE, at=AT).events
    assert found.detail["state"] == state


def test_deployment_rollback_is_a_trigger_event_only() -> None:
    # Given a rollback starting / When notifying / Then no bus event of its own (no such state)
    found = deployment_notifications(
        [T.DEPLOYMENT_ROLLBACK], DEPLOYMENT, IDENTITY, [_trigger("all", *T)], PLACE, at=AT
    )
    assert found.events == ()
    assert [m.event for m in found.messages] == [T.DEPLOYMENT_ROLLBACK]


@pytest.mark.parametrize(
    ("event", "state"),
    [
        (T.INSTANCE_START, "START"),
        (T.INSTANCE_SUCCESS, "SUCCESS"),
        (T.INSTANCE_FAILURE, "FAILURE"),
        (T.INSTANCE_READY, "READY"),
    ],
)
def test_an_instance_event_names_the_instance_first_in_its_resources(event, state) -> None:
    (found,) = instance_notifications([event], TARGET, IDENTITY, (), PLACE, at=AT).events
    assert found.detail_type == INSTANCE_DETAIL_TYPE
    assert found.detail["instanceId"] == "i-0123456789abcdef0"
    assert found.detail["state"] == state
    assert found.detail["instanceGroupId"] == IDENTITY.deployment_group_id
    assert found.resources == (
        "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0",
        "arn:aws:codedeploy:eu-west-1:111122223333:application:web",
        "arn:aws:codedeploy:eu-west-1:111122223333:deploymentgroup:web/prod",
    )


def test_an_on_premises_instance_is_named_by_its_codedeploy_arn() -> None:
    target = replace(TARGET, kind=TargetKind.ON_PREMISES, instance_name="rack-7")
    (found,) = instance_notifications([T.INSTANCE_START], target, IDENTITY, (), PLACE, at=AT).events
    assert found.resources[0] == "arn:aws:codedeploy:eu-west-1:111122223333:instance/rack-7"


# --- SNS trigger messages ----------------------------------------------------------------------


def test_each_matching_trigger_gets_one_message_on_its_topic() -> None:
    # Given two triggers for failures and one for successes
    triggers = [
        _trigger("ops", T.DEPLOYMENT_FAILURE),
        _trigger("audit", *ALL_DEPLOYMENT_EVENTS),
        _trigger("happy", T.DEPLOYMENT_SUCCESS),
    ]
    failed = replace(DEPLOYMENT, status=D.FAILED, complete_time=COMPLETED)
    # When a deployment fails
    found = deployment_notifications(
        [T.DEPLOYMENT_FAILURE], failed, IDENTITY, triggers, PLACE, at=AT
    )
    # Then the two failure triggers each get a message on their own topic, named in it
    assert [(m.topic_arn, m.trigger_name) for m in found.messages] == [
        ("arn:aws:sns:eu-west-1:111122223333:ops", "ops"),
        ("arn:aws:sns:eu-west-1:111122223333:audit", "audit"),
    ]
    assert [json.loads(m.message)["eventTriggerName"] for m in found.messages] == ["ops", "audit"]


def test_a_start_message_says_created_and_has_no_completion() -> None:
    created = replace(DEPLOYMENT, status=D.CREATED)
    (message,) = deployment_notifications(
        [T.DEPLOYMENT_START], created, IDENTITY, [_trigger("t", T.DEPLOYMENT_START)], PLACE, at=AT
    ).messages
    assert message.subject == "CREATED: AWS CodeDeploy d-ABCDEF123 in eu-west-1 to web"
    assert json.loads(message.message) == {
        "region": "eu-west-1",
        "accountId": "111122223333",
        "eventTriggerName": "t",
        "applicationName": "web",
        "deploymentId": "d-ABCDEF123",
        "deploymentGroupName": "prod",
        "createTime": "Fri Nov 27 09:58:03 UTC 2026",
        "completeTime": None,
        "status": "CREATED",
    }


def test_a_success_message_carries_the_overview_as_a_json_string() -> None:
    succeeded = replace(
        DEPLOYMENT,
        status=D.SUCCEEDED,
        complete_time=COMPLETED,
        overview=DeploymentOverview(succeeded=3, skipped=1),
    )
    (message,) = deployment_notifications(
        [T.DEPLOYMENT_SUCCESS], succeeded, IDENTITY, [_trigger("t", *T)], PLACE, at=AT
    ).messages
    document = json.loads(message.message)
    assert message.subject == "SUCCEEDED: AWS CodeDeploy d-ABCDEF123 in eu-west-1 to web"
    assert document["status"] == "SUCCEEDED"
    assert document["completeTime"] == "Fri Nov 27 09:59:41 UTC 2026"
    assert json.loads(document["deploymentOverview"]) == {
        "Succeeded": 3,
        "Failed": 0,
        "Skipped": 1,
        "InProgress": 0,
        "Pending": 0,
    }
    assert "errorInformation" not in document


def test_a_failure_message_carries_the_error_information_as_a_json_string() -> None:
    failed = replace(
        DEPLOYMENT,
        status=D.FAILED,
        complete_time=COMPLETED,
        error=DeploymentError("HEALTH_CONSTRAINTS", "Too many instances failed."),
    )
    (message,) = deployment_notifications(
        [T.DEPLOYMENT_FAILURE], failed, IDENTITY, [_trigger("t", *T)], PLACE, at=AT
    ).messages
    document = json.loads(message.message)
    assert document["status"] == "FAILED"
    assert json.loads(document["errorInformation"]) == {
        "ErrorCode": "HEALTH_CONSTRAINTS",
        "ErrorMessage": "Too many instances failed.",
    }


def test_a_stop_message_says_stopped() -> None:
    stopped = replace(DEPLOYMENT, status=D.STOPPED, complete_time=COMPLETED)
    (message,) = deployment_notifications(
        [T.DEPLOYMENT_STOP], stopped, IDENTITY, [_trigger("t", T.DEPLOYMENT_STOP)], PLACE, at=AT
    ).messages
    assert message.subject.startswith("STOPPED: ")
    assert json.loads(message.message)["status"] == "STOPPED"


def test_a_rollback_message_carries_the_rollback_information() -> None:
    rollback = replace(
        DEPLOYMENT,
        choices=replace(DEPLOYMENT.choices, rollback_triggering_deployment_id="d-FAILED000"),
        rollback_info=RollbackInfo(rollback_message="Rolls back d-FAILED000."),
    )
    (message,) = deployment_notifications(
        [T.DEPLOYMENT_ROLLBACK], rollback, IDENTITY, [_trigger("t", *T)], PLACE, at=AT
    ).messages
    document = json.loads(message.message)
    assert document["status"] == "IN_PROGRESS"
    assert json.loads(document["rollbackInformation"]) == {
        "RollbackMessage": "Rolls back d-FAILED000.",
        "RollbackTriggeringDeploymentId": "d-FAILED000",
    }


def test_a_long_subject_is_cut_to_snss_hundred_characters() -> None:
    identity = replace(IDENTITY, application_name="a" * 100)
    (message,) = deployment_notifications(
        [T.DEPLOYMENT_START], DEPLOYMENT, identity, [_trigger("t", *T)], PLACE, at=AT
    ).messages
    assert len(message.subject) == 100


def test_an_instance_message_has_the_instance_arn_status_and_lifecycle_events() -> None:
    (message,) = instance_notifications(
        [T.INSTANCE_SUCCESS], TARGET, IDENTITY, [_trigger("t", *ALL_INSTANCE_EVENTS)], PLACE, at=AT
    ).messages
    assert message.subject == "SUCCEEDED: AWS CodeDeploy d-ABCDEF123 in eu-west-1 to web"
    assert json.loads(message.message) == {
        "region": "eu-west-1",
        "accountId": "111122223333",
        "eventTriggerName": "t",
        "deploymentId": "d-ABCDEF123",
        "instanceId": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0",
        "lastUpdatedAt": "1795773541.500",
        "instanceStatus": "Succeeded",
        "lifecycleEvents": [
            {
                "LifecycleEvent": "BeforeInstall",
                "LifecycleEventStatus": "Succeeded",
                "StartTime": "1795773490.000",
                "EndTime": "1795773491.125",
            },
            {
                "LifecycleEvent": "ValidateService",
                "LifecycleEventStatus": "Pending",
                "StartTime": None,
                "EndTime": None,
            },
        ],
    }


def test_an_instance_start_subject_says_in_progress() -> None:
    started = replace(TARGET, status=I.IN_PROGRESS)
    (message,) = instance_notifications(
        [T.INSTANCE_START], started, IDENTITY, [_trigger("t", T.INSTANCE_START)], PLACE, at=AT
    ).messages
    assert message.subject.startswith("IN_PROGRESS: ")
    assert json.loads(message.message)["instanceStatus"] == "InProgress"


def test_instance_triggers_ignore_deployment_events_and_the_reverse() -> None:
    deployment_only = [_trigger("d", *ALL_DEPLOYMENT_EVENTS)]
    instance_only = [_trigger("i", *ALL_INSTANCE_EVENTS)]
    assert (
        instance_notifications(
            [T.INSTANCE_FAILURE], TARGET, IDENTITY, deployment_only, PLACE, at=AT
        ).messages
        == ()
    )
    assert (
        deployment_notifications(
            [T.DEPLOYMENT_FAILURE], DEPLOYMENT, IDENTITY, instance_only, PLACE, at=AT
        ).messages
        == ()
    )
