"""Values written as one line of text in a definition file and parsed into a domain object.

`Annotated[Limit, TextForm(Limit.parse, Limit, pattern=...)]` lets a pydantic model accept
`20 working-days`, hold a `Limit`, write it back as text and describe it in the JSON Schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from engine.errors import InputError


class TextForm:
    """Pydantic metadata: parse text with `parse`, keep instances of `kind`, print with `str`."""

    def __init__(
        self,
        parse: Callable[[str], Any],
        kind: type,
        *,
        description: str,
        pattern: str | None = None,
        examples: tuple[str, ...] = (),
    ):
        self.parse = parse
        self.kind = kind
        self.description = description
        self.pattern = pattern
        self.examples = examples

    def validate(self, value: Any) -> Any:
        if isinstance(value, self.kind):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError(
                "text_form",
                "expected text such as {example}, not {value!r}",
                {
                    "example": repr(self.examples[0]) if self.examples else "a string",
                    "value": value,
                },
            )
        try:
            return self.parse(value)
        except InputError as exc:
            raise PydanticCustomError("text_form", "{reason}", {"reason": str(exc)}) from None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema()
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        result: JsonSchemaValue = {"type": "string", "description": self.description}
        if self.pattern:
            result["pattern"] = self.pattern
        if self.examples:
            result["examples"] = list(self.examples)
        return result
