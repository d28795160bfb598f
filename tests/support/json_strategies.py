"""Hypothesis strategies for hostile JSON: any type where another is expected, odd text."""

from __future__ import annotations

from hypothesis import strategies as st

# text a hostile client may send: NUL, a lone surrogate, superscript and other scripts' digits,
# right-to-left marks, very long runs
ODD_TEXT = st.sampled_from(
    ["", "\x00", "\ud800", "²", "٣", "\u202e", "x" * 5000, "9" * 40, "-1", " ", "null", "{}"]
)
TEXT = st.one_of(st.text(max_size=40), ODD_TEXT)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)


def json_values(max_leaves: int = 12) -> st.SearchStrategy:
    """Any JSON value: scalars, lists and objects of them, a few levels deep."""
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )
