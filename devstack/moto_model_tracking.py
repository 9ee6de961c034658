"""Stops moto from keeping every model object it ever made, which was the devstack's memory growth.

moto's ``BaseModel.__new__`` appends each new instance of every model class (a DynamoDB ``Item``
for every write, a ``StreamRecord`` per change, a whole ``Table`` copy per ``TransactWriteItems``,
SQS messages, Step Functions events, ...) to the class's ``instances_tracked`` list, for its
dashboard (``/moto-api/data.json``) and for closing S3 key files on reset. Nothing ever removes
them, so objects the backends had long dropped stayed alive: measured with the gateway's
``GET /_devstack/memory`` (``types=1``), a 10-host deployment left ~5,400 ``Item``s, ~3,700
``StreamRecord``s and 47 ``Table`` copies behind, about 12 MB per host-deployment.

The devstack does not use the dashboard and never resets moto (a devstack ends with its process),
so new instances are simply not tracked: they live as long as a backend refers to them.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import BaseModel

_MARKER = "_devstack_untracked"


def stop_tracking_model_instances() -> None:
    """Make ``BaseModel.__new__`` create instances without recording them (idempotent)."""
    if getattr(BaseModel, _MARKER, False):
        return

    def untracked_new(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
        return super(BaseModel, cls).__new__(cls)

    BaseModel.__new__ = staticmethod(untracked_new)  # type: ignore[method-assign]
    setattr(BaseModel, _MARKER, True)
