"""Cache files kg keeps beside a store (:func:`kg.store.cache_dir_for`): the projection, the audit's facts."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_cache"]


def write_cache(path: Path, value, stale: Iterable[Path] = ()) -> None:
    """Pickle ``value`` to cache file ``path`` (written aside, then moved in), first removing ``stale`` files but
    ``path``; an unwritable place is no error (the value is right, only the next call is slower).

    Examples
    --------
    >>> import pickle, tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "old.pickle").write_bytes(b"x")
    >>> write_cache(d / "new.pickle", {"a": 1}, stale=list(d.glob("*.pickle")))
    >>> [p.name for p in d.iterdir()], pickle.loads((d / "new.pickle").read_bytes())
    (['new.pickle'], {'a': 1})
    """
    import pickle

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in [p for p in stale if p != path]:
            old.unlink()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
