"""How `make test` spreads the suite over pytest-xdist workers (``-n 2 --dist loadfile``).

Each test module is one unit of work, so its module fixtures (an e2e module's devstack above all)
are set up once, on one worker. Two packages share a session fixture across their modules and
are one unit each, so it is set up once: ``tests/infrastructure`` (the synthesized stack) and
``tests/integration/devstack`` (a bare gateway). Units are handed out slowest suite first (e2e),
so that the quick suites fill the end of the run on both workers.

Without ``-n`` (``pytest tests/e2e/test_x.py``) nothing here changes the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from xdist.remote import Producer
    from xdist.scheduler.protocol import Scheduling

# Packages whose modules share a session-scoped fixture: one unit of work each.
SHARED_SESSION = ("tests/infrastructure/", "tests/integration/devstack/")
# The order units are handed out in: the slowest suites first.
SUITE_ORDER = (
    "tests/e2e/",
    "tests/integration/devstack/",
    "tests/infrastructure/",
    "tests/agent/",
    "tests/integration/",
    "tests/unit/",
)


def unit_of_work(nodeid: str) -> str:
    """The module of a test, or the package when its modules share a session fixture."""
    module = nodeid.split("::", 1)[0]
    return next((package for package in SHARED_SESSION if module.startswith(package)), module)


def suite_rank(nodeid: str) -> int:
    return next(
        (rank for rank, suite in enumerate(SUITE_ORDER) if nodeid.startswith(suite)),
        len(SUITE_ORDER),
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, the slowest suites first (every worker collects in the same order,
    and the scheduler hands out units in that order). A stable sort keeps each module's tests
    together and in their order."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: suite_rank(item.nodeid))


@pytest.hookimpl(optionalhook=True)  # a venv made before xdist was pinned has no such hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> Scheduling | None:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # noqa: PLC0415 - only with xdist running

    class ModuleScheduling(LoadFileScheduling):
        """``loadfile``, with the shared-session packages as one unit each, in suite order."""

        def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
            super().__init__(config, log)
            # Keep the collection order (the default hands out the units with most tests first).
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    return ModuleScheduling(config, log)
