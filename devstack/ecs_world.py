"""An ECS service under CodeDeploy's control, as the ECS blue/green tests and benchmark need it
(moto or the devstack): a cluster with one registered EC2 container instance, two task
definitions, an ALB with two target groups and a production and a test listener, and a service
with deployment controller CODE_DEPLOY whose original task set is PRIMARY on the first target
group.

moto 5.2.5 does not create the primary task set of a CODE_DEPLOY service (AWS does, from the
service's load balancer), and its task sets fail for awsvpc/FARGATE services: the service here
uses the EC2 launch type, and the original task set is created here and made PRIMARY.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EcsWorld:
    cluster: str
    service: str
    original_task_definition: str
    new_task_definition: str
    blue_target_group: str  # ARN; the original task set's
    green_target_group: str
    blue_name: str
    green_name: str
    prod_listener: str
    test_listener: str
    original_task_set: str
    container_name: str  # the task definitions' one container, behind the load balancer


def _instance_document(ec2: Any) -> str:
    image = ec2.describe_images()["Images"][0]["ImageId"]
    (instance,) = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"]
    return json.dumps(
        {
            "accountId": "123456789012",
            "availabilityZone": instance["Placement"]["AvailabilityZone"],
            "imageId": image,
            "instanceId": instance["InstanceId"],
            "instanceType": instance.get("InstanceType", "t2.micro"),
            "region": "us-east-1",
        }
    )


def build_ecs_world(ec2: Any, elbv2: Any, ecs: Any, *, name: str = "web") -> EcsWorld:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    balancer = elbv2.create_load_balancer(Name=f"{name}-alb", Subnets=subnets)["LoadBalancers"][0]
    groups = [
        elbv2.create_target_group(
            Name=f"{name}-{color}", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance"
        )["TargetGroups"][0]["TargetGroupArn"]
        for color in ("blue", "green")
    ]
    listeners = [
        elbv2.create_listener(
            LoadBalancerArn=balancer["LoadBalancerArn"],
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": groups[0]}],
        )["Listeners"][0]["ListenerArn"]
        for port in (80, 8080)
    ]
    cluster = ecs.create_cluster(clusterName=f"{name}-cluster")["cluster"]["clusterName"]
    ecs.register_container_instance(
        cluster=cluster, instanceIdentityDocument=_instance_document(ec2)
    )
    definitions = [
        ecs.register_task_definition(
            family=name,
            networkMode="bridge",
            containerDefinitions=[
                {
                    "name": name,
                    "image": f"nginx:{version}",
                    "memory": 128,
                    "portMappings": [{"containerPort": 80, "hostPort": 0}],
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        for version in ("1", "2")
    ]
    service = ecs.create_service(
        cluster=cluster,
        serviceName=f"{name}-service",
        taskDefinition=definitions[0],
        desiredCount=1,
        launchType="EC2",
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=[{"targetGroupArn": groups[0], "containerName": name, "containerPort": 80}],
    )["service"]["serviceName"]
    original = ecs.create_task_set(
        cluster=cluster,
        service=service,
        taskDefinition=definitions[0],
        launchType="EC2",
        loadBalancers=[{"targetGroupArn": groups[0], "containerName": name, "containerPort": 80}],
        scale={"value": 100.0, "unit": "PERCENT"},
    )["taskSet"]["taskSetArn"]
    ecs.update_service_primary_task_set(cluster=cluster, service=service, primaryTaskSet=original)
    return EcsWorld(
        cluster=cluster,
        service=service,
        original_task_definition=definitions[0],
        new_task_definition=definitions[1],
        blue_target_group=groups[0],
        green_target_group=groups[1],
        blue_name=f"{name}-blue",
        green_name=f"{name}-green",
        prod_listener=listeners[0],
        test_listener=listeners[1],
        original_task_set=original,
        container_name=name,
    )


def ecs_appspec(world: EcsWorld, hooks: dict[str, str]) -> dict[str, Any]:
    """An AppSpecContent revision deploying the world's new task definition with ``hooks``."""
    content = json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    "TargetService": {
                        "Type": "AWS::ECS::Service",
                        "Properties": {
                            "TaskDefinition": world.new_task_definition,
                            "LoadBalancerInfo": {
                                "ContainerName": world.container_name,
                                "ContainerPort": 80,
                            },
                        },
                    }
                }
            ],
            "Hooks": [{event: name} for event, name in hooks.items()],
        }
    )
    digest = hashlib.sha256(content.encode()).hexdigest()
    return {
        "revisionType": "AppSpecContent",
        "appSpecContent": {"content": content, "sha256": digest},
    }


def create_ecs_group(
    codedeploy: Any, world: EcsWorld, *, application: str, group: str, role: str
) -> None:
    """An ECS application and a deployment group for the world's service, pair and listeners."""
    codedeploy.create_application(applicationName=application, computePlatform="ECS")
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName=group,
        serviceRoleArn=role,
        deploymentConfigName="CodeDeployDefault.ECSAllAtOnce",
        deploymentStyle={
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        blueGreenDeploymentConfiguration=termination_wait(0),
        ecsServices=[{"clusterName": world.cluster, "serviceName": world.service}],
        loadBalancerInfo={
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": world.blue_name}, {"name": world.green_name}],
                    "prodTrafficRoute": {"listenerArns": [world.prod_listener]},
                    "testTrafficRoute": {"listenerArns": [world.test_listener]},
                }
            ]
        },
    )


def termination_wait(minutes: int, *, ready_wait: int | None = None) -> dict[str, Any]:
    """``blueGreenDeploymentConfiguration``: the original task set deleted ``minutes`` after;
    ``ready_wait``: production traffic rerouted only on ContinueDeployment(READY_WAIT), the
    deployment Stopped if it has not come within that many minutes (STOP_DEPLOYMENT)."""
    ready: dict[str, Any] = {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}
    if ready_wait is not None:
        ready = {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": ready_wait}
    return {
        "terminateBlueInstancesOnDeploymentSuccess": {
            "action": "TERMINATE",
            "terminationWaitTimeInMinutes": minutes,
        },
        "deploymentReadyOption": ready,
    }
