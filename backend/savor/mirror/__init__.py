"""`savor pull`: a local copy of a study's datasets, brought up to date incrementally.

The package is a client of the research API: it imports nothing of the service's domains.
`rows` and `package` are pure; `files` owns the folder (atomic writes, state, lock); `server`
speaks HTTP; `pull` puts them together.
"""

from savor.mirror.files import MirrorError
from savor.mirror.pull import DatasetReport, PullReport, pull

__all__ = ["DatasetReport", "MirrorError", "PullReport", "pull"]
