"""The limits' cache without Redis: Django's file cache, made fit for counting.

Every gunicorn process of a machine reads and writes the same files, so a rate limit holds
for the machine instead of once per process. Django's FileBasedCache alone would not do:
its add() is a look followed by a write and its incr() a read followed by a write, so
processes counting at the same moment lose hits; and incr() writes the entry again with
the default timeout, so a counter's window would start over with every hit. Here add() and
incr() take one lock file in turn, and incr() keeps the entry's expiry: the same promises
Redis gives (SET NX, INCR). Reads and plain writes stay as Django's, without the lock.
"""

import contextlib
import os
import pickle
import time
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

LOCK_FILE = "counters.lock"  # not *.djcache: clear() and culling leave it alone


class LimitsFileCache(FileBasedCache):
    @contextlib.contextmanager
    def _exclusive(self):
        """One add() or incr() at a time among all processes using this directory."""
        self._createdir()
        with open(os.path.join(self._dir, LOCK_FILE), "ab") as lock_file:
            locks.lock(lock_file, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock_file)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        fname = self._key_to_file(key, version)
        with self._exclusive():
            try:
                with open(fname, "rb") as f:
                    # Django's own entry format: the expiry, then the compressed value. The
                    # files are written by this site only, like any FileBasedCache's.
                    expiry = pickle.load(f)  # noqa: S301
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except FileNotFoundError:
                raise ValueError(f"Key {key!r} not found") from None
            remaining = None if expiry is None else expiry - time.time()
            if remaining is not None and remaining <= 0:
                raise ValueError(f"Key {key!r} not found")
            value += delta
            self.set(key, value, timeout=remaining, version=version)
            return value

    def _cull(self):
        """When the directory is full, drop expired counters before Django drops entries
        at random, which would reset the limits of clients still counted."""
        entries = self._list_cache_files()
        if len(entries) < self._max_entries:
            return
        for fname in entries:
            with contextlib.suppress(FileNotFoundError), open(fname, "rb") as f:
                self._is_expired(f)  # deletes the file when it has expired
        super()._cull()
