"""Backups of the whole portal (database, media files, manifest) and their restore."""
