"""What a host (EC2 instance or on-premises server) may do: read its queue, log, call the agent API.

Host identity scheme
--------------------
A host acts as a role session carrying the session tag ``rollwright:host = <host id>``, and every
host permission names that id through the policy variable ``${aws:PrincipalTag/rollwright:host}``:

* its command queue: ``arn:aws:sqs:<region>:<account>:rollwright-host-<host id>``;
* its log streams in the agent log group: ``<host id>/<anything>``;
* the agent routes of the API (``v1/POST/agent/*``), only when the tag is present. The agent
  function checks that a report names the host of the calling session.

Session tags are the only per-host value IAM can substitute into a resource ARN that queue and log
stream names can hold: ``${ec2:SourceInstanceARN}`` and ``${aws:userid}`` contain ``:`` (allowed in
neither), and an instance profile session carries only its role's tags, which all instances share.
So both kinds of host obtain a tagged session of the host role with ``sts:AssumeRole`` +
``sts:TagSession``, and the host role's trust policy pins the tag to something the caller cannot
choose:

* **EC2**: the instance profile role may only assume the host role, and only with a tag (and a role
  session name) equal to its own instance id: ``ec2:SourceInstanceARN`` (present in every request
  signed with instance profile credentials) must match
  ``arn:*:ec2:*:*:instance/${aws:RequestTag/rollwright:host}``.
* **On-premises**: a principal given as CDK context (default: the account, i.e. any IAM identity
  the account allows to) may assume the host role, and only with the tag (and role session name)
  equal to its *own* principal tag ``rollwright:host``. An operator registers a server by tagging
  the IAM user or role that server uses with its host id.

Neither role nor policy may carry a ``rollwright:host`` tag of its own: role tags become principal
tags and would give every session the same identity.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.accepted_findings import accept_wildcards

HOST_QUEUE_PREFIX = "rollwright-host-"
HOST_TAG_KEY = "rollwright:host"
HOST_ID = "${aws:PrincipalTag/" + HOST_TAG_KEY + "}"
_REQUESTED_HOST_ID = "${aws:RequestTag/" + HOST_TAG_KEY + "}"

# What the control plane does with host queues: create and tag them, set their policy and
# retention, send commands.
QUEUE_MANAGEMENT_ACTIONS = (
    "sqs:CreateQueue",
    "sqs:GetQueueUrl",
    "sqs:SendMessage",
    "sqs:SetQueueAttributes",
    "sqs:TagQueue",
)
# What a host does with its own queue: long-poll, delete on success, requeue with visibility 0.
QUEUE_CONSUMER_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
)
_ONLY_THE_HOST_TAG = {"ForAllValues:StringEquals": {"aws:TagKeys": [HOST_TAG_KEY]}}


class HostAccess(Construct):
    """The host policy, the host role hosts act as, and the EC2 instance role and profile."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        agent_log_group: logs.ILogGroup,
        agent_routes_arn: str,
        on_premises_principal: iam.IPrincipal,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.queue_prefix = HOST_QUEUE_PREFIX
        self.host_queues_arn = stack.format_arn(
            service="sqs",
            resource=f"{HOST_QUEUE_PREFIX}*",
            arn_format=ArnFormat.NO_RESOURCE_NAME,
        )
        own_queue = iam.PolicyStatement(
            sid="ReadOwnCommandQueue",
            actions=list(QUEUE_CONSUMER_ACTIONS),
            resources=[
                stack.format_arn(
                    service="sqs",
                    resource=f"{HOST_QUEUE_PREFIX}{HOST_ID}",
                    arn_format=ArnFormat.NO_RESOURCE_NAME,
                )
            ],
        )
        own_log_streams = iam.PolicyStatement(
            sid="WriteOwnHookLogStreams",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=f"{agent_log_group.log_group_name}:log-stream:{HOST_ID}/*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        agent_routes = iam.PolicyStatement(
            sid="CallAgentRoutes",
            actions=["execute-api:Invoke"],
            resources=[agent_routes_arn],
            conditions={"Null": {f"aws:PrincipalTag/{HOST_TAG_KEY}": "false"}},
        )
        self.host_policy = iam.ManagedPolicy(
            self,
            "HostPolicy",
            description="Rollwright host: its own command queue, log streams and the agent API",
            statements=[own_queue, own_log_streams, agent_routes],
        )
        accept_wildcards(
            self.host_policy,
            [own_log_streams, agent_routes],
            reason=(
                "Both wildcards sit behind the host's own id or this API: a host's log streams "
                "are <host id>/<deployment>, one per deployment; the agent routes are "
                "POST /agent/* of this API's v1 stage only."
            ),
        )
        self.ec2_instance_role = iam.Role(
            self,
            "Ec2InstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="Rollwright EC2 host: may only become the host role as its own instance",
        )
        self.instance_profile = iam.InstanceProfile(
            self, "Ec2InstanceProfile", role=self.ec2_instance_role
        )
        self.host_role = iam.Role(
            self,
            "HostRole",
            description="Rollwright host session, tagged rollwright:host=<host id>",
            assumed_by=iam.SessionTagsPrincipal(
                iam.PrincipalWithConditions(
                    on_premises_principal,
                    {
                        "StringEquals": {
                            f"aws:RequestTag/{HOST_TAG_KEY}": HOST_ID,
                            "sts:RoleSessionName": HOST_ID,
                        },
                        **_ONLY_THE_HOST_TAG,
                    },
                )
            ),
            managed_policies=[self.host_policy],
        )
        trust = self.host_role.assume_role_policy
        assert trust is not None  # a Role always has a trust policy
        trust.add_statements(
            iam.PolicyStatement(
                sid="Ec2InstanceAsItself",
                actions=["sts:AssumeRole", "sts:TagSession"],
                principals=[iam.ArnPrincipal(self.ec2_instance_role.role_arn)],
                conditions={
                    "StringLike": {
                        "ec2:SourceInstanceARN": f"arn:*:ec2:*:*:instance/{_REQUESTED_HOST_ID}"
                    },
                    "StringEquals": {"sts:RoleSessionName": _REQUESTED_HOST_ID},
                    **_ONLY_THE_HOST_TAG,
                },
            )
        )
        self.ec2_instance_role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole", "sts:TagSession"],
                resources=[self.host_role.role_arn],
            )
        )

    def grant_queue_management(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let a control-plane function create host queues and send them commands."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(QUEUE_MANAGEMENT_ACTIONS),
            resource_arns=[self.host_queues_arn],
        )
