"""The parser's text folding (kg.parse.text): its fast paths give what the plain definitions give, on any text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.parse.text import _CLEAN, _DASHES, _clean, _make_key

# what the folding is about, mixed with anything at all
_TRICKY = "aZ9 *_`#:-|./\t\n\r\x0b\x0c\x1c\x1f\u0085\u00a0\u2007\u202f\u2002\u2003\u2009\u200a\u3000\u200b\u200c" \
          "\u200d\ufeff\u2010\u2013\u2014\u2212\uff0d\ufb00\u2460\u0130\u1e9e\u00e9\u0301\uff21"
_TEXT = st.text(alphabet=st.sampled_from(_TRICKY), max_size=60) | st.text(max_size=60)


def _reference_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    text = re.sub(r"[*_`#:]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_the_comparison_key_is_its_definition(text):
    assert _make_key(text) == _reference_key(text)


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_clean_is_its_translate_table(text):
    assert _clean(text) == text.translate(_CLEAN)


def test_the_fast_paths_agree_on_the_development_briefings(dev_corpus):
    for path in sorted(dev_corpus.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert _clean(text) == text.translate(_CLEAN), path.name
        for line in text.splitlines():
            assert _make_key(line) == _reference_key(line), f"{path.name}: {line!r}"
