"""JSON Schemas of the definition files, generated from the models (the format's one home)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from engine.definitions.catalogue import DepartmentsFile, MattersFile
from engine.definitions.model import Workflow

SCHEMAS: dict[str, type[BaseModel]] = {
    "workflow": Workflow,
    "departments": DepartmentsFile,
    "matters": MattersFile,
}


def json_schema(kind: str = "workflow") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a workflow, departments or matters file."""
    schema = SCHEMAS[kind].model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://onething.example/schema/{kind}.json",
        **schema,
    }
