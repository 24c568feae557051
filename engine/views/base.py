"""The root of the public views."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class View(BaseModel):
    """The root of the public views: immutable, and a JSON shape of their own."""

    model_config = ConfigDict(frozen=True)
