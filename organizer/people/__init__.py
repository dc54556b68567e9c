"""Volunteer records in bulk: spreadsheet import and export, duplicates, privacy, newcomers.

Qt-free: the import wizard, merge view and newcomer panel are built on these modules.
"""
