"""Scheduling in the Rosters view: the coverage heat map, auto-fill preview and cover finder.

Import the modules themselves (``organizer.ui.scheduling.heatmap`` and so on): they build
on the roster package, which in turn places them on its page.
"""
