"""The repository's catalogue and workflows, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions import Catalogue, Workflow, load_catalogue, load_workflow


@pytest.fixture(scope="session")
def catalogue(definitions_dir: Path) -> Catalogue:
    return load_catalogue(definitions_dir)


@pytest.fixture(scope="session")
def workflows(definitions_dir: Path, catalogue: Catalogue) -> dict[str, Workflow]:
    return {
        path.stem: load_workflow(path, catalogue)
        for path in sorted((definitions_dir / "workflows").glob("*.yaml"))
    }
