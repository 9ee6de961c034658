"""The synthesized stack passes cdk-nag (AWS Solutions) and cfn-lint."""

from __future__ import annotations

from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file

from tests.infrastructure.conftest import SynthesizedStack

# CDK adds explicit DependsOn next to GetAtt references for roles; harmless, and not ours to change.
ACCEPTED_CFN_LINT_WARNINGS = {"W3005"}


def test_no_unacknowledged_aws_solutions_findings(synthesized: SynthesizedStack) -> None:
    # Given the stack with its acknowledgments / When cdk-nag's AWS Solutions pack checks it
    # Then no error or warning is left
    report = AwsSolutionsChecks().validate_scope(synthesized.stack)
    findings = {
        f"{violation.severity} {violation.rule_name}": [
            resource.construct_path for resource in violation.violating_resources
        ]
        for violation in report.violations
    }
    assert findings == {}
    assert report.success


def test_template_has_no_cfn_lint_errors(synthesized: SynthesizedStack) -> None:
    # Given the synthesized template / When cfn-lint checks it for two regions
    # Then there are no errors, and no warnings beyond CDK's redundant DependsOn
    matches = lint_file(
        synthesized.template_path, config=ManualArgs(regions=["us-east-1", "eu-west-1"])
    )
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.severity == "error"]
    warnings = {m.rule.id for m in matches if m.rule.severity == "warning"}
    assert errors == []
    assert warnings <= ACCEPTED_CFN_LINT_WARNINGS
