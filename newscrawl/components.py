"""What every newscrawl component shares: how one that is off on purpose says so."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured


def off_by_design(component: str, why: str) -> NotConfigured:
    """The NotConfigured a component raises when it is off on purpose (no state, no archive, a
    debugging command), its reason logged at INFO: Scrapy logs the reason of a NotConfigured as a
    warning, and an expected state is no warning.

    >>> isinstance(off_by_design(__name__, "no state"), NotConfigured)
    True
    """
    logging.getLogger(component).info("Off: %s", why)
    return NotConfigured()
