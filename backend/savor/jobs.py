"""What a scheduled job is, for the domains that build them and the ticker that runs them.

A base module: a domain marks its own jobs here without importing the ticker above it.
"""

from collections.abc import Callable
from datetime import datetime

Job = Callable[[datetime], None]


def in_own_lane(job: Job) -> Job:
    """Mark a job that may run long (planning a large study) to tick on its own, so it
    never holds back the prompts that fall due meanwhile.

    Its ticks fall half an interval after the main lane's: prompts fall due on whole minutes,
    and a planning run starting on the same instant slowed down sending them.
    """
    job.own_lane = True  # type: ignore[attr-defined]
    return job


def runs_in_own_lane(job: Job) -> bool:
    return getattr(job, "own_lane", False)
