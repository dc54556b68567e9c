"""The Volunteers page: a searchable directory and the volunteer editor.

The page lives in :mod:`organizer.ui.volunteers.page` and the editor in
:mod:`organizer.ui.volunteers.editor`; this package imports neither, so the pieces other
pages borrow (texts, jobs) come without them.
"""
