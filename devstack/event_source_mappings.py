"""What the devstack's event-source mappings share: one poller thread per enabled mapping that
moto's Lambda backend holds, kept in step with the mappings every few seconds and after every API
call that may change them (``operations``), as Lambda's pollers behave.

``sqs_event_source`` (queues) and ``dynamodb_stream_source`` (table streams) say which mappings
are theirs and how their poller delivers a batch.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import ClassVar, Generic, Protocol, TypeVar

SYNC_INTERVAL_SECONDS = 2.0


class Mapping(Protocol):
    @property
    def uuid(self) -> str: ...


class Poller(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


MappingT = TypeVar("MappingT", bound=Mapping)
PollerT = TypeVar("PollerT", bound=Poller)


class EventSourceMappings(ABC, Generic[MappingT, PollerT]):
    """Keeps one poller per enabled mapping of this kind."""

    # The gateway syncs after these calls, so that a new mapping polls at once.
    operations = frozenset(
        {
            "CreateEventSourceMapping",
            "UpdateEventSourceMapping",
            "DeleteEventSourceMapping",
            "CreateStack",
            "UpdateStack",
            "DeleteStack",
        }
    )
    logger: ClassVar[logging.Logger]
    sync_failure: ClassVar[str]  # what the log says when a periodic sync fails

    def __init__(self) -> None:
        self._pollers: dict[str, PollerT] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        threading.Thread(target=self._sync_periodically, daemon=True).start()

    @abstractmethod
    def _enabled_mappings(self) -> list[MappingT]:
        """The enabled mappings of this kind (detached from moto's own delivery)."""

    @abstractmethod
    def _poller(self, mapping: MappingT) -> PollerT: ...

    def sync(self) -> None:
        wanted = {mapping.uuid: mapping for mapping in self._enabled_mappings()}
        with self._lock:
            for uuid in set(self._pollers) - set(wanted):
                self._pollers.pop(uuid).stop()
            for uuid, mapping in wanted.items():
                if uuid not in self._pollers:
                    poller = self._poller(mapping)
                    self._pollers[uuid] = poller
                    poller.start()

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            for poller in self._pollers.values():
                poller.stop()
            self._pollers.clear()

    def _sync_periodically(self) -> None:
        while not self._stopped.wait(SYNC_INTERVAL_SECONDS):
            try:
                self.sync()
            except Exception:
                self.logger.exception(self.sync_failure)
