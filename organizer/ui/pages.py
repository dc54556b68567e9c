"""Which real view fills each page of the main window."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from organizer.ui.context import ViewContext


def build_pages(context: ViewContext) -> dict[str, QWidget]:
    """The views for the pages that have one; the rest keep their placeholder for now."""
    del context
    return {}
