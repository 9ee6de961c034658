"""The artifacts bucket: application revisions stored for deployments."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.accepted_findings import accept


class ArtifactStore(Construct):
    """A versioned, private, TLS-only bucket for revisions, with server access logs.

    Versioning matters beyond safety: a revision is addressed by bucket, key *and version*, and a
    rollback redeploys an older version of the same key.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.access_logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        accept(
            self.access_logs_bucket,
            "AwsSolutions-S1",
            reason=(
                "This is the server access log bucket of the artifacts bucket; logging its own "
                "access would recurse."
            ),
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="artifacts/",
            removal_policy=RemovalPolicy.RETAIN,
        )

    def grant_revision_reads(self, grantee: iam.IGrantable) -> iam.PolicyStatement:
        """Let ``grantee`` read revisions (any object, any version) and nothing else."""
        statement = iam.PolicyStatement(
            actions=["s3:GetObject", "s3:GetObjectVersion"],
            resources=[self.bucket.arn_for_objects("*")],
        )
        grantee.grant_principal.add_to_principal_policy(statement)
        return statement
