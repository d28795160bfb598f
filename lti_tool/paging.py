"""Which page of a long list a page shows: the `page` query parameter, kept within range."""

from __future__ import annotations

from flask import request


def page_number(count: int, size: int) -> tuple[int, int]:
    """Return (the page asked for by `?page=`, clamped to 1..pages, and the number of pages)."""
    pages = max(1, -(-count // size))
    asked = request.args.get("page", "1")
    number = min(int(asked), pages) if asked.isdigit() and int(asked) > 0 else 1
    return number, pages
