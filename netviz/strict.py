"""The base of every spec section: unknown keys are errors, values are frozen.

It lives apart from ``netviz.spec`` so that each data kind (``netviz/data/<kind>.py``)
and layer type (``netviz/models/layers/``) can declare its own section without
importing the spec package, whose schema gathers them from the registries.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
