"""``ConcurrentCalls``: the workflow function's way of starting a window's hosts a few at a time."""

from __future__ import annotations

from functools import partial

import pytest

from functions.adapters.concurrent_calls import ConcurrentCalls


def test_an_error_in_one_of_the_calls_is_raised_once_every_call_ran():
    # Given calls of which one fails
    ran: list[int] = []

    def call(number: int) -> None:
        ran.append(number)
        if number == 1:
            raise RuntimeError("the second call failed")

    # When they run a few at a time, Then its error is raised, after every call ran
    with pytest.raises(RuntimeError, match="the second call failed"):
        ConcurrentCalls(2)([partial(call, number) for number in range(5)])
    assert sorted(ran) == [0, 1, 2, 3, 4]
