"""Text normalisation for briefings: dashes, spaces, invisible and control characters, comparison keys.

Briefings come from word processors and web pages, so the same heading may be
written with an en dash or a hyphen, a non-breaking space or a plain one. The
parser folds these before it compares anything.

Examples
--------
>>> _clean("CPT\\u00a077013\\u200b")
'CPT 77013'
>>> _key("**Summary \\u2013 Overview:**")
'summary - overview'
>>> _CONTROL.search("a\\x01b").start()
1
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2002\u2003\u2009\u200a\u3000\t"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)


_CLEAN = {**_SPACES, **_INVISIBLE}


_CLEAN_PAIRS = tuple((chr(c), r or "") for c, r in _CLEAN.items())


def _clean(text: str) -> str:
    """Fold non-breaking spaces and drop zero-width characters (not dashes); line breaks stay.

    ``text.translate(_CLEAN)``, made of one search per character folded (what it folds into is none of them, so the
    order does not matter): a fraction of the time on a whole document."""
    if text.isascii():  # of what it folds, only the tab is ASCII
        return text.replace("\t", " ")
    for c, r in _CLEAN_PAIRS:
        if c in text:
            text = text.replace(c, r)
    return text


# Control, surrogate and private-use characters; tab and form feed are fine in text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff]")


def _key(text: str) -> str:
    """A comparison key for headings and header cells (cached for short text: a long line is not kept)."""
    return _short_key(text) if len(text) <= 200 else _make_key(text)


@lru_cache(maxsize=4096)
def _short_key(text: str) -> str:
    return _make_key(text)


_MARKUP = re.compile(r"[*_`#:]+")


def _make_key(text: str) -> str:
    if not text.isascii():  # ASCII is its own NFKC form and holds no dash to fold: most lines, at no cost
        text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    # str.split() splits at what \s matches in a str pattern (Py_UNICODE_ISSPACE), so this is
    # re.sub(r"\s+", " ", ...).strip()
    return " ".join(_MARKUP.sub(" ", text.lower()).split())
