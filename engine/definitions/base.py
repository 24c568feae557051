"""What every definition model shares: frozen, no unknown keys, and the shape of an id."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)]
"""A lower-case id with dashes: `utility-external-works`, `traffic-police`."""


class DefinitionModel(BaseModel):
    """Frozen (a definition is never changed in place) and strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")
