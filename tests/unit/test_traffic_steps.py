"""BlockTraffic and AllowTraffic between a host's agent segments, with a fake load balancer."""

from __future__ import annotations

from dataclasses import dataclass, field

from rollwright.agent_protocol import BundleType, S3Revision
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_group_settings import (
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
    LoadBalancerInfo,
)
from rollwright.deployment_plan import DeploymentSettings, HostLimits, plan_deployment
from rollwright.host_progress import HostRecord, TrafficStep, host_is_lost
from rollwright.lifecycle import IN_PLACE_WITH_TRAFFIC, IN_PLACE_WITHOUT_TRAFFIC
from rollwright.lifecycle import LifecycleEvent as E
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import DeploymentTarget, TargetKind
from rollwright.traffic_control import (
    LoadBalancerError,
    TrafficState,
    TrafficTargets,
    control_event_after,
    traffic_targets,
)
from rollwright.traffic_steps import TrafficOutcome, TrafficSteps

TARGETS = TrafficTargets(elb_names=("classic",), target_group_names=("web",))


@dataclass
class FakeLoadBalancers:
    """Deregistration drains for ``drain_looks`` looks before the instance is out."""

    registered: set[str] = field(default_factory=set)
    drain_looks: int = 0
    delay: int = 30
    refuse: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)
    _draining: dict[str, int] = field(default_factory=dict)

    def deregister(self, instance_id: str, targets: TrafficTargets) -> int:
        self.calls.append(("deregister", instance_id))
        if self.refuse:
            raise LoadBalancerError("target group web does not exist")
        if instance_id in self.registered:
            self.registered.discard(instance_id)
            self._draining[instance_id] = self.drain_looks
        return self.delay

    def register(self, instance_id: str, targets: TrafficTargets) -> None:
        self.calls.append(("register", instance_id))
        self.registered.add(instance_id)

    def state(self, instance_id: str, targets: TrafficTargets) -> TrafficState:
        if instance_id in self.registered:
            return TrafficState.REGISTERED
        if self._draining.get(instance_id, 0) > 0:
            self._draining[instance_id] -= 1
            return TrafficState.CHANGING
        return TrafficState.DEREGISTERED


@dataclass
class FakeTrafficStore:
    steps: dict[str, TrafficStep] = field(default_factory=dict)
    ended: list[tuple[str, E, bool, str]] = field(default_factory=list)

    def begin_traffic(self, host: HostRecord, event: E, *, deadline: float, now: float) -> bool:
        if host.host_id in self.steps or any(
            h == host.host_id and e is event for h, e, *_ in self.ended
        ):
            return False
        self.steps[host.host_id] = TrafficStep(event, deadline)
        return True

    def end_traffic(
        self, host: HostRecord, event: E, *, succeeded: bool, message: str, now: float
    ) -> bool:
        step = self.steps.get(host.host_id)
        if step is None or step.event is not event:
            return False
        del self.steps[host.host_id]
        self.ended.append((host.host_id, event, succeeded, message))
        return True


def _host(traffic: TrafficStep | None = None) -> HostRecord:
    return HostRecord(
        deployment_id="d-1",
        host_id="i-1",
        position=0,
        status=InstanceStatus.IN_PROGRESS,
        segments=((E.BEFORE_BLOCK_TRAFFIC,), (E.AFTER_BLOCK_TRAFFIC,), (E.AFTER_ALLOW_TRAFFIC,)),
        traffic=traffic,
    )


def _steps(balancers: FakeLoadBalancers, store: FakeTrafficStore) -> TrafficSteps:
    return TrafficSteps(store, balancers, sleep=lambda _: None, looks=3)


def test_block_traffic_that_settles_at_once_ends_in_the_handler():
    # Given an instance in the load balancers that leaves them at once
    balancers, store = FakeLoadBalancers(registered={"i-1"}), FakeTrafficStore()
    # When BlockTraffic begins
    outcome = _steps(balancers, store).begin(TARGETS, _host(), E.BLOCK_TRAFFIC, now=100.0)
    # Then it is deregistered and the step ended, successfully
    assert outcome is TrafficOutcome.SETTLED
    assert "i-1" not in balancers.registered
    assert store.ended == [("i-1", E.BLOCK_TRAFFIC, True, "")]


def test_block_traffic_still_draining_is_left_to_the_sweep_with_the_delay_as_deadline():
    # Given a target group that drains longer than the handler looks
    balancers = FakeLoadBalancers(registered={"i-1"}, drain_looks=10, delay=30)
    store = FakeTrafficStore()
    # When BlockTraffic begins
    outcome = _steps(balancers, store).begin(TARGETS, _host(), E.BLOCK_TRAFFIC, now=100.0)
    # Then the step waits, its deadline the deregistration delay plus a margin
    assert outcome is TrafficOutcome.WAITING
    assert store.steps["i-1"] == TrafficStep(E.BLOCK_TRAFFIC, 100.0 + 30 + 60)


def test_the_sweep_ends_a_drained_block_traffic():
    # Given a BlockTraffic step under way whose instance has drained meanwhile
    balancers, store = FakeLoadBalancers(), FakeTrafficStore()
    step = TrafficStep(E.BLOCK_TRAFFIC, 500.0)
    store.steps["i-1"] = step
    # When the sweep looks
    outcome = _steps(balancers, store).check(TARGETS, _host(step), now=200.0)
    # Then the step ended successfully
    assert outcome is TrafficOutcome.SETTLED


def test_a_step_past_its_deadline_fails():
    # Given a BlockTraffic step whose instance is still draining past the deadline
    balancers = FakeLoadBalancers(registered=set(), drain_looks=99)
    balancers._draining["i-1"] = 99
    store = FakeTrafficStore()
    step = TrafficStep(E.BLOCK_TRAFFIC, 150.0)
    store.steps["i-1"] = step
    # When the sweep looks after the deadline
    outcome = _steps(balancers, store).check(TARGETS, _host(step), now=151.0)
    # Then the event failed, naming what did not happen
    assert outcome is TrafficOutcome.FAILED
    assert store.ended[0][2] is False
    assert "deadline" in store.ended[0][3]


def test_a_refusing_load_balancer_fails_the_event_with_its_message():
    # Given a load balancer that refuses (a missing target group)
    balancers, store = FakeLoadBalancers(refuse=True), FakeTrafficStore()
    # When BlockTraffic begins
    outcome = _steps(balancers, store).begin(TARGETS, _host(), E.BLOCK_TRAFFIC, now=100.0)
    # Then the event failed with the load balancer's message
    assert outcome is TrafficOutcome.FAILED
    assert store.ended == [("i-1", E.BLOCK_TRAFFIC, False, "target group web does not exist")]


def test_allow_traffic_registers_and_settles():
    # Given an instance out of its load balancers
    balancers, store = FakeLoadBalancers(), FakeTrafficStore()
    # When AllowTraffic begins
    outcome = _steps(balancers, store).begin(TARGETS, _host(), E.ALLOW_TRAFFIC, now=100.0)
    # Then it is back in and the step ended
    assert outcome is TrafficOutcome.SETTLED
    assert balancers.registered == {"i-1"}


def test_a_second_handler_does_not_record_the_same_step_again():
    # Given a BlockTraffic step recorded by one handler
    balancers = FakeLoadBalancers(registered={"i-1"}, drain_looks=10)
    store = FakeTrafficStore()
    steps = _steps(balancers, store)
    steps.begin(TARGETS, _host(), E.BLOCK_TRAFFIC, now=100.0)
    # When a repeated report begins it again
    outcome = steps.begin(TARGETS, _host(), E.BLOCK_TRAFFIC, now=101.0)
    # Then it is not that handler's step
    assert outcome is TrafficOutcome.NOT_OURS


def test_a_host_in_a_traffic_step_is_not_lost_by_silence():
    # Given a host silent for long, but in a traffic step
    host = _host(TrafficStep(E.BLOCK_TRAFFIC, 10_000.0))
    # Then the dead-host rule leaves it to the step's deadline
    assert not host_is_lost(host, now=5_000.0, limits=HostLimits())


def test_control_events_follow_the_before_traffic_hooks_only():
    assert control_event_after(E.BEFORE_BLOCK_TRAFFIC) is E.BLOCK_TRAFFIC
    assert control_event_after(E.BEFORE_ALLOW_TRAFFIC) is E.ALLOW_TRAFFIC
    assert control_event_after(E.VALIDATE_SERVICE) is None


def test_traffic_targets_need_traffic_control_and_a_classic_balancer_or_target_group():
    info = LoadBalancerInfo(elb_names=("classic",), target_group_names=("web",))
    with_control = DeploymentStyle(DeploymentType.IN_PLACE, DeploymentOption.WITH_TRAFFIC_CONTROL)
    without = DeploymentStyle(DeploymentType.IN_PLACE, DeploymentOption.WITHOUT_TRAFFIC_CONTROL)
    assert traffic_targets(with_control, info) == TARGETS
    assert traffic_targets(without, info) is None
    assert traffic_targets(with_control, LoadBalancerInfo()) is None
    assert traffic_targets(with_control, None) is None


def test_with_load_balancers_ec2_hosts_get_the_traffic_sequence_on_premises_hosts_do_not():
    # Given a deployment with load balancers to an EC2 instance and an on-premises host
    settings = DeploymentSettings(
        deployment_id="d-1",
        application_name="app",
        application_id="app-id",
        deployment_group_name="group",
        deployment_group_id="group-id",
        revision=S3Revision("bucket", "key.zip", BundleType.ZIP),
        deployment_config_name="CodeDeployDefault.AllAtOnce",
        minimum_healthy_hosts=MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 0),
        load_balancers=TARGETS,
    )
    # When it is planned
    plan = plan_deployment(
        settings,
        [
            DeploymentTarget("i-1", "i-1", TargetKind.EC2),
            DeploymentTarget("onprem", "onprem", TargetKind.ON_PREMISES),
        ],
        create_time=0.0,
    )
    by_host = {t.host_id: t for t in plan.targets}
    # Then the instance runs three agent segments around BlockTraffic and AllowTraffic
    assert by_host["i-1"].lifecycle_events == IN_PLACE_WITH_TRAFFIC
    assert [segment[-1] for segment in by_host["i-1"].segments] == [
        E.BEFORE_BLOCK_TRAFFIC,
        E.BEFORE_ALLOW_TRAFFIC,
        E.AFTER_ALLOW_TRAFFIC,
    ]
    # And the on-premises host, which no load balancer can hold, runs the plain sequence
    assert by_host["onprem"].lifecycle_events == IN_PLACE_WITHOUT_TRAFFIC
    assert len(by_host["onprem"].segments) == 1
