"""Channels translate a platform's updates into ``Incoming`` and render ``Reply`` objects back."""
