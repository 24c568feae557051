"""What every definition model shares: frozen, no unknown keys, and the shape of an id."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)]
"""A lower-case id with dashes: `utility-external-works`, `traffic-police`."""

Title = Annotated[str, Field(min_length=1, max_length=200)]
"""A name people read in lists and notices: one line, not a document."""

MAX_TEXT = 4000  # characters of any other text in a definition (a description, a source)


class DefinitionModel(BaseModel):
    """Frozen (a definition is never changed in place), strict about unknown keys, and no
    text longer than `MAX_TEXT`."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=MAX_TEXT)
