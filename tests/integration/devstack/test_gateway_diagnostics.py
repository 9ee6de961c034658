"""What the gateway tells about its own cost: where its CPU goes; a log of failed requests only."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from devstack import cpu_sampler


def _spin_in_a_named_function(stop: threading.Event) -> None:
    while not stop.is_set():
        sum(range(1000))


def test_the_profile_names_the_function_a_busy_thread_runs_and_not_idle_threads():
    # Given one thread busy in a named function and one waiting on an event
    stop = threading.Event()
    busy = threading.Thread(target=_spin_in_a_named_function, args=(stop,))
    idle = threading.Thread(target=stop.wait)
    busy.start()
    idle.start()
    try:
        # When the gateway's sampler profiles the process for a second
        report = cpu_sampler.profile(1.0, interval=0.01)
    finally:
        stop.set()
        busy.join()
        idle.join()
    # Then the busy function leads the samples and the waiting thread's wait is not counted
    assert report["samples"] > 0
    inclusive = dict(report["inclusive"])
    assert inclusive[f"{__file__}:_spin_in_a_named_function"] > 0.5
    assert not any(name.endswith("threading.py:wait") for name, _ in report["self"])


def test_the_gateway_log_has_failed_requests_and_not_successful_ones(aws, devstack):
    # Given the gateway's log
    log = Path(devstack.state_dir) / "gateway.log"
    before = log.stat().st_size
    # When one request succeeds and one fails
    sqs = aws("sqs")
    sqs.list_queues()
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="no-such-queue-for-the-log")
    time.sleep(0.5)
    # Then only the failed one was logged
    with log.open("rb") as lines:
        lines.seek(before)
        written = [line for line in lines.read().decode().splitlines() if "HTTP/1.1" in line]
    assert len(written) == 1
    assert '" 400 -' in written[0]
