"""CloudWatch alarm state changes reach the alarm function, and never vanish."""

from __future__ import annotations

from tests.infrastructure.conftest import SynthesizedStack


def test_rule_matches_cloudwatch_alarm_state_changes(synthesized: SynthesizedStack) -> None:
    # Given the stack's alarm rule / When reading its pattern
    # Then it matches CloudWatch alarm state changes
    synthesized.template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
            },
            "State": "ENABLED",
        },
    )


def test_rule_targets_the_alarm_function_with_retries_and_a_dead_letter_queue(
    synthesized: SynthesizedStack,
) -> None:
    # Given the rule / When reading its target
    # Then it is the alarm function, with a retry policy and the dead-letter queue
    alarm_function = synthesized.logical_id_of("AWS::Lambda::Function", "AlarmFunction")
    dead_letters = synthesized.logical_id_of("AWS::SQS::Queue", "AlarmDeadLetters")
    rule = synthesized.resources[synthesized.logical_id_of("AWS::Events::Rule", "AlarmWiring")]
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [alarm_function, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dead_letters, "Arn"]}}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0


def test_eventbridge_may_invoke_the_alarm_function(synthesized: SynthesizedStack) -> None:
    # Given the rule / When reading the function's permissions
    # Then events.amazonaws.com may invoke it from this rule only
    alarm_function = synthesized.logical_id_of("AWS::Lambda::Function", "AlarmFunction")
    rule = synthesized.logical_id_of("AWS::Events::Rule", "AlarmWiring")
    synthesized.template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [alarm_function, "Arn"]},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule, "Arn"]},
        },
    )
