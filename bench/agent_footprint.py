"""The host agent's footprint: RSS idle and after 100 local deployments, time per no-op event.

No devstack: an agent process (``bench.agent_process``, the real executor built as local mode
builds it, importing nothing else) runs in a subprocess the scenario drives over stdin; its RSS is
read from /proc. Targets (issue 4): idle RSS <= 60 MB, growth <= 5 MB over 100 deployments,
<= 20 ms per no-op lifecycle event.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.context import BenchContext
from bench.report import ScenarioResult

DEPLOYMENTS = 100
WARMUP_DEPLOYMENTS = 5
NO_OP_EVENTS = 200
REPOSITORY = Path(__file__).resolve().parent.parent


def run(context: BenchContext) -> ScenarioResult:
    result = ScenarioResult(scenario="agent_footprint")
    with tempfile.TemporaryDirectory(prefix="rollwright-agent-bench-") as scratch:
        bundle = _small_bundle(Path(scratch) / "bundle")
        agent = subprocess.Popen(
            [sys.executable, "-m", "bench.agent_process", scratch, str(bundle)],
            cwd=REPOSITORY,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            _ask(agent, "ready")
            time.sleep(1)
            idle = _rss_mb(agent.pid)
            _ask(agent, f"deploy {WARMUP_DEPLOYMENTS}")
            warm = _rss_mb(agent.pid)
            _ask(agent, f"deploy {DEPLOYMENTS}")
            after = _rss_mb(agent.pid)
            no_op_ms = float(_ask(agent, f"noop {NO_OP_EVENTS}"))
            script_ms = float(_ask(agent, f"script {NO_OP_EVENTS}"))
        finally:
            agent.stdin.close()  # type: ignore[union-attr]
            agent.wait(timeout=30)
    result.add("agent", "idle RSS", idle, "MB")
    result.add("agent", f"RSS after {WARMUP_DEPLOYMENTS} deployments", warm, "MB")
    result.add("agent", f"RSS after {WARMUP_DEPLOYMENTS + DEPLOYMENTS} deployments", after, "MB")
    result.add("agent", f"RSS growth over {DEPLOYMENTS} deployments", after - warm, "MB")
    result.add("lifecycle event", "no scripts", no_op_ms, "ms per event")
    result.add("lifecycle event", "one `exit 0` script", script_ms, "ms per event")
    result.details["targets"] = {
        "idle_rss_mb": 60,
        "rss_growth_mb": 5,
        "no_op_event_ms": 20,
    }
    return result


def _ask(agent: subprocess.Popen[str], request: str) -> str:
    assert agent.stdin is not None
    assert agent.stdout is not None
    agent.stdin.write(request + "\n")
    agent.stdin.flush()
    answer = agent.stdout.readline().strip()
    if not answer:
        raise RuntimeError(f"the agent process gave no answer to {request!r}")
    return answer


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


def _small_bundle(directory: Path) -> Path:
    (directory / "scripts").mkdir(parents=True)
    (directory / "app").mkdir()
    for number in range(10):
        (directory / "app" / f"file{number}.txt").write_text("x" * 1024)
    for name in ("stop", "start", "check"):
        script = directory / "scripts" / f"{name}.sh"
        script.write_text("#!/bin/sh\necho $LIFECYCLE_EVENT\n")
        script.chmod(0o755)
    destination = directory.parent / "installed"
    (directory / "appspec.yml").write_text(
        "version: 0.0\nos: linux\n"
        f"files:\n  - source: app\n    destination: {destination}\n"
        "hooks:\n"
        "  ApplicationStop:\n    - location: scripts/stop.sh\n"
        "  ApplicationStart:\n    - location: scripts/start.sh\n"
        "  ValidateService:\n    - location: scripts/check.sh\n"
    )
    (directory.parent / "noop").mkdir()
    (directory.parent / "noop" / "appspec.yml").write_text("version: 0.0\nos: linux\n")
    (directory.parent / "script").mkdir()
    (directory.parent / "script" / "appspec.yml").write_text(
        "version: 0.0\nos: linux\nhooks:\n"
        + "".join(
            f"  {event}:\n    - location: ok.sh\n"
            for event in ("BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService")
        )
    )
    (directory.parent / "script" / "ok.sh").write_text("#!/bin/sh\nexit 0\n")
    (directory.parent / "script" / "ok.sh").chmod(0o755)
    return directory
