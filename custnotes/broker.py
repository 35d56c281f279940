"""The embedded default's broker: kombu's filesystem transport, polled in short cycles.

Celery's worker loop for transports without an event loop of their own (synloop) waits up to two
seconds in each cycle for a message and runs one more cycle after a shutdown signal, so a worker on
the plain filesystem transport takes about four seconds to stop on Ctrl-C, and honcho (`make run`)
kills what has not stopped after five. Here each wait is a quarter of a second: the worker stops
within a second, and picks up a new job as quickly (a directory listing four times a second).
"""

from kombu.transport import filesystem

CYCLE_SECONDS = 0.25


class Transport(filesystem.Transport):
    polling_interval = CYCLE_SECONDS

    def drain_events(self, connection, timeout=None):
        return super().drain_events(connection, timeout=min(timeout or CYCLE_SECONDS, CYCLE_SECONDS))
