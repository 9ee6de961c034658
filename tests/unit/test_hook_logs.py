"""Hook output lines as the agent writes them, read back and filtered for ``rollwright logs``."""

from __future__ import annotations

import pytest

from rollwright.hook_logs import deployment_streams, format_line, of_event, parse_hook_line


def test_a_hook_line_is_split_into_event_script_stream_and_text() -> None:
    line = parse_hook_line("web-1", 5, "[BeforeInstall] [scripts/a b.sh] [stderr] [warn] x ] y")
    assert (line.lifecycle_event, line.script, line.stream, line.text) == (
        "BeforeInstall",
        "scripts/a b.sh",
        "stderr",
        "[warn] x ] y",
    )


def test_a_line_of_another_shape_keeps_only_its_message() -> None:
    line = parse_hook_line("web-1", 5, "[rollwright-agent] 3 earlier lines were dropped")
    assert line.lifecycle_event is None
    assert line.message == "[rollwright-agent] 3 earlier lines were dropped"


def test_lines_are_kept_by_lifecycle_event_in_any_case() -> None:
    lines = [
        parse_hook_line("a", 1, "[BeforeInstall] [s.sh] [stdout] one"),
        parse_hook_line("a", 2, "[ValidateService] [v.sh] [stdout] two"),
        parse_hook_line("a", 3, "[rollwright-agent] notice"),
    ]
    assert [line.text for line in of_event(lines, "validateservice")] == ["two"]
    assert of_event(lines, None) == lines


def test_a_line_is_printed_after_its_host_padded_to_the_widest() -> None:
    line = parse_hook_line("web-1", 1, "[Install] [-] [stdout] hi")
    assert format_line(line, 8) == "web-1     [Install] [-] [stdout] hi"


def test_streams_are_named_by_host_id_and_deployment() -> None:
    streams = deployment_streams("d-1", ["web.01", "i-0abc"])
    assert streams == {"i-0abc": "i-0abc/d-1", "web-01": "web-01/d-1"}


def test_one_host_is_chosen_by_instance_name_or_host_id() -> None:
    assert deployment_streams("d-1", ["web.01", "i-0abc"], "web.01") == {"web-01": "web-01/d-1"}
    assert deployment_streams("d-1", ["web.01", "i-0abc"], "web-01") == {"web-01": "web-01/d-1"}


def test_a_host_that_is_not_a_target_is_refused_naming_the_targets() -> None:
    with pytest.raises(ValueError, match=r"web-9 is not a target of deployment d-1 \(targets: "):
        deployment_streams("d-1", ["web.01", "i-0abc"], "web-9")
