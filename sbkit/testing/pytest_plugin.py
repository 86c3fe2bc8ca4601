"""Pytest plugin: contract tests for sbkit components."""
