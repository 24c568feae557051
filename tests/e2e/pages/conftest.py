"""The pages' fixtures (tests/fixtures/pages.py): the scene served on loopback, chromium."""

from tests.fixtures.pages import browser, page, scene

__all__ = ["browser", "page", "scene"]
