"""The base of every spec section: unknown keys are errors, values are frozen.

It lives apart from ``netviz.spec`` so that each data kind (``netviz/data/<kind>.py``)
and layer type (``netviz/spec/layers/``) can declare its own section without
importing the spec package, whose schema gathers them from the registries.
"""

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

SPEC_FOLDER = "spec_folder"  # the validation context key: the folder of the spec being read


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]


def against_spec_folder(value: str, info: ValidationInfo) -> str:
    """A relative path is read from the spec's folder, as docker-compose and MkDocs read theirs, so a
    spec builds the same from any working folder; absolute paths and ``~`` stay as they are."""
    folder = (info.context or {}).get(SPEC_FOLDER)
    path = Path(value).expanduser()
    return str(path if folder is None or path.is_absolute() else Path(folder) / path)


SpecPath = Annotated[str, AfterValidator(against_spec_folder)]  # a file or folder the spec names
