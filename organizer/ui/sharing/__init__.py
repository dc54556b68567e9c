"""Sharing one file between coordinators: conflicts, live refresh, presence, banners, restore."""
