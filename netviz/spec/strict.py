"""The base of every spec section: unknown keys are errors, values are frozen.

It lives apart from ``schema`` so that each data kind can declare its own section
(``netviz/data/<kind>.py``) without importing the schema that gathers them.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
