"""The object store: SQLite on disk, every object in memory, one watch fan-out.

Each acknowledged write is one SQLite transaction (WAL) that stores the object
and appends a watch event under the next global resourceVersion, so a process
killed at any moment restarts with the same objects, resourceVersions and
watch history. Reads are served from memory.
"""

from ._events import Watcher, WatchEvent
from ._sqlite import Store
from ._stored import StoredObject, copy_json

__all__ = ["Store", "StoredObject", "WatchEvent", "Watcher", "copy_json"]
