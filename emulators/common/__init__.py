"""Shared machinery of the platform emulators."""
