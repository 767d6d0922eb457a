"""newscrawl's settings with the speed the tests ask for against the replica, which runs on this
machine and needs no politeness: newscrawl itself is polite by default (``newscrawl/settings.py``).
The tests' processes read these (``SCRAPY_SETTINGS_MODULE``, set in ``tests/conftest.py``); the
benchmarks and the demo pass ``REPLICA_SPEED`` on their command lines."""

from newscrawl.settings import *  # noqa: F403

KILL_AT = ""  # where tests/killer.py kills a run: known here, so a run is not refused for it

REPLICA_SPEED = {"AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}
globals().update(REPLICA_SPEED)


def speed_args() -> list[str]:
    """``REPLICA_SPEED`` as ``scrapy crawl`` options."""
    return [arg for name, value in REPLICA_SPEED.items() for arg in ("-s", f"{name}={int(value)}")]
