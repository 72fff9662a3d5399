"""Load a YAML spec, validate it, and turn every problem into a located one-line error.

YAML is composed into nodes first (safe loading only) so each value keeps the line it
came from; pydantic's error locations are then mapped back to those lines.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from netviz.errors import DataConfigError, SpecError
from netviz.registry import DATA_KINDS, LAYER_TYPES
from netviz.spec import schema
from netviz.spec.facts import DataFacts
from netviz.spec.graph import Shape, ShapeError, layer_names, layer_shapes
from netviz.spec.schema import Spec
from netviz.strict import SPEC_FOLDER

Loc = tuple[Any, ...]

MAX_SPEC_BYTES = 2_000_000


def load_spec(path: str | Path) -> Spec:
    """Read, parse and validate ``path``; raise :class:`SpecError` on any problem."""
    path = Path(path)
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(shown, None, "", "no such file") from None
    except (IsADirectoryError, PermissionError) as err:
        raise SpecError(shown, None, "", f"cannot read: {err.strerror.lower()}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(shown, None, "", f"file is larger than {MAX_SPEC_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SpecError(shown, line, "", "not valid UTF-8 text") from None
    data, lines, booleans = parse_yaml(text, shown)
    return validate(data, lines, shown, path.parent, booleans)


def located(spec_path: Path, loc: Loc, message: str) -> SpecError:
    """A :class:`SpecError` at the line of ``loc`` in a spec that validated a moment ago, for a
    problem only found later (a data file that will not load, a model file that is no model)."""
    _, lines, _ = parse_yaml(spec_path.read_text(encoding="utf-8"), str(spec_path))
    return SpecError(str(spec_path), _line_for(loc, lines, None), _dotted(loc), message)


def parse_yaml(text: str, shown: str) -> tuple[Any, dict[Loc, int], dict[Loc, str]]:
    """Compose YAML safely and return plain Python data, a line for every path, and the
    text of every value YAML read as a boolean (``yes``, ``off``...), for error messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        problem = err.problem or err.context or "invalid YAML"
        if "'\\t'" in problem or "tab" in problem:
            problem = "tabs are not allowed for indentation; use spaces"
        raise SpecError(shown, line, "", f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as err:
        raise SpecError(shown, None, "", f"YAML error: {err}") from None
    if node is None:
        raise SpecError(shown, 1, "", "the spec is empty")
    lines: dict[Loc, int] = {}
    booleans: dict[Loc, str] = {}
    data = _to_python(node, (), lines, shown, booleans)
    if not isinstance(data, dict):
        raise SpecError(shown, node.start_mark.line + 1, "", "the spec must be a mapping of keys to values")
    return data, lines, booleans


def _to_python(node: yaml.Node, loc: Loc, lines: dict[Loc, int], shown: str, booleans: dict[Loc, str]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if node.tag not in _SAFE_TAGS:
        raise SpecError(shown, node.start_mark.line + 1, _dotted(loc), f"tag {node.tag!r} is not allowed (safe YAML only)")
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(shown, key_node.start_mark.line + 1, _dotted(loc), "mapping keys must be plain names")
            key = key_node.value
            if key == "<<":
                raise SpecError(shown, key_node.start_mark.line + 1, _dotted(loc), "YAML merge keys are not supported")
            if key in out:
                raise SpecError(shown, key_node.start_mark.line + 1, _dotted(loc + (key,)), "duplicate key")
            out[key] = _to_python(value_node, loc + (key,), lines, shown, booleans)
            lines[loc + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, loc + (i,), lines, shown, booleans) for i, item in enumerate(node.value)]
    if node.tag.endswith(":timestamp"):
        return node.value  # dates stay the text the user wrote
    if node.tag.endswith(":bool"):
        booleans[loc] = node.value
    return _SCALARS.construct_object(node)


_SAFE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_SCALARS = yaml.SafeLoader("")


def validate(data: dict[str, Any], lines: dict[Loc, int], shown: str, base: Path | None = None,
             booleans: dict[Loc, str] | None = None) -> Spec:
    """Validate plain data against :class:`Spec`, then check cross references and paths.

    ``base`` is the spec's folder, against which a template folder is looked up;
    ``booleans`` the text of values YAML read as booleans (see ``parse_yaml``).
    """
    try:
        spec = Spec.model_validate(data, context={SPEC_FOLDER: base.resolve()} if base is not None else None)
    except ValidationError as err:
        first = min(err.errors(), key=lambda e: (_line_for(_clean_loc(tuple(e["loc"]), data), lines, data),
                                                 e["type"] != "extra_forbidden"))
        raise _spec_error(first, lines, data, shown, booleans or {}) from None
    _check_references(spec, lines, shown, base)
    _check_paths(spec, lines, shown, base)
    return spec


def _check_paths(spec: Spec, lines: dict[Loc, int], shown: str, base: Path | None) -> None:
    """Output and template folders stay inside the project: relative, no way up and out."""
    for loc, value in ((("output",), spec.output), (("report", "templates"), spec.report.templates)):
        if value is None:
            continue
        where = lines.get(loc)
        path = Path(value)
        if path.is_absolute() or value.startswith("~"):
            raise SpecError(shown, where, _dotted(loc), f"{value!r} must be a relative path inside the project")
        if ".." in path.parts:
            raise SpecError(shown, where, _dotted(loc), f"{value!r} leads out of the project ('..' is not allowed)")
    if spec.report.templates and base is not None and not (base / spec.report.templates).is_dir():
        loc = ("report", "templates")
        raise SpecError(shown, lines.get(loc), _dotted(loc), f"no such folder {spec.report.templates!r} (relative to the spec)")


def _spec_error(error: dict[str, Any], lines: dict[Loc, int], data: Any, shown: str,
                booleans: dict[Loc, str]) -> SpecError:
    loc = _clean_loc(tuple(error["loc"]), data)
    kind = error["type"]
    line = _line_for(loc, lines, data)
    if kind == "union_tag_invalid":  # the error is the mapping's; the wrong value is its tag field's
        tag_loc = loc + (error["ctx"].get("discriminator", "").strip("'"),)
        if isinstance(_value_at(data, tag_loc), bool):
            loc, line = tag_loc, _line_for(tag_loc, lines, data)
    value = _value_at(data, loc)
    if kind in TEXT_EXPECTED and isinstance(value, bool):
        word = "true" if value else "false"
        return SpecError(shown, line, _dotted(loc), f"YAML read this as the boolean {word}; write '{booleans.get(loc, word)}' in quotes")
    if kind == "extra_forbidden":
        return SpecError(shown, line, _dotted(loc), "unknown key" + _did_you_mean(loc, data))
    if kind == "missing":
        return SpecError(shown, line, _dotted(loc), "required field is missing")
    if kind == "union_tag_invalid":
        tag = error["ctx"]["tag"]
        expected = error["ctx"]["expected_tags"]
        field = error["ctx"].get("discriminator", "").strip("'")
        hint = _closest(str(tag), [t.strip("' ") for t in expected.split(",")])
        return SpecError(shown, _line_for(loc + (field,), lines, data), _dotted(loc + (field,)),
                         f"unknown {field} {tag!r}{hint}; expected one of {expected}")
    if kind == "union_tag_not_found":
        field = error["ctx"]["discriminator"].strip("'")
        return SpecError(shown, line, _dotted(loc + (field,)), "required field is missing")
    return SpecError(shown, line, _dotted(loc), _message(error))


TEXT_EXPECTED = {"string_type", "literal_error", "string_pattern_mismatch", "union_tag_invalid"}  # where YAML's
# yes/no/on/off/true/false arrive as booleans instead of the words


def _value_at(data: Any, loc: Loc) -> Any:
    """The value at ``loc`` in the parsed spec, or None where there is none."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in error.get("ctx", {}).items()}
    simple = {
        "greater_than_equal": "must be >= {ge}",
        "greater_than": "must be > {gt}",
        "less_than_equal": "must be <= {le}",
        "less_than": "must be < {lt}",
        "int_type": "must be an integer",
        "int_parsing": "must be an integer",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "string_type": "must be a string",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "list_type": "must be a list",
        "tuple_type": "must be a list",
        "dict_type": "must be a mapping",
        "model_type": "must be a mapping",
        "model_attributes_type": "must be a mapping",
        "too_short": "must have at least {min_length} item(s)",
        "too_long": "must have at most {max_length} item(s)",
        "string_too_short": "must not be empty",
        "string_pattern_mismatch": "must be a name of letters, digits and '_' starting with a letter",
        "literal_error": "must be one of {expected}",
    }
    if kind in simple:
        try:
            return simple[kind].format(**ctx)
        except KeyError:
            pass
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"][0].lower() + error["msg"][1:]


def _clean_loc(loc: Loc, data: Any) -> Loc:
    """Drop pydantic's union branch names (e.g. 'Conv2D', 'int') that are not real keys."""
    out: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, (dict, list)) or node is None:
            if isinstance(part, str) and (part[:1].isupper() or part in _BRANCHES or "[" in part):
                continue
            out.append(part)
            node = None
        else:
            continue
    return tuple(out)


_BRANCHES = {"int", "float", "str", "tuple", "list", "dict", "function-after", "none", *DATA_KINDS.names()}


def _line_for(loc: Loc, lines: dict[Loc, int], data: Any) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _did_you_mean(loc: Loc, data: Any) -> str:
    """Suggest a known key for an unknown one, using the model the parent maps to."""
    fields = _fields_at(loc[:-1], data)
    return _closest(str(loc[-1]), fields)


def _closest(word: str, choices: list[str]) -> str:
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _fields_at(loc: Loc, data: Any) -> list[str]:
    model: Any = Spec
    node = data
    for part in loc:
        node = node[part] if isinstance(node, (dict, list)) else None
        model = _child_model(model, part, node)
        if model is None:
            return []
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _child_model(model: Any, part: Any, node: Any) -> Any:
    import typing

    if isinstance(model, type) and issubclass(model, BaseModel):
        if not isinstance(part, str) or part not in model.model_fields:
            return None
        model = model.model_fields[part].annotation
        return _unwrap(model, node)
    origin = typing.get_origin(model)
    args = typing.get_args(model)
    if origin in (list, tuple) and args:
        return _unwrap(args[0], node)
    if origin is dict and len(args) == 2:
        return _unwrap(args[1], node)
    return None


def _unwrap(model: Any, node: Any) -> Any:
    import typing

    origin = typing.get_origin(model)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(model)[0], node)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        options = [a for a in typing.get_args(model) if a is not type(None)]
        if isinstance(node, dict):
            for option in options:
                inner = _unwrap(option, node)
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    tag_field = "type" if "type" in inner.model_fields else "kind" if "kind" in inner.model_fields else None
                    if tag_field is None:
                        return inner
                    allowed = typing.get_args(inner.model_fields[tag_field].annotation)
                    if node.get(tag_field) in allowed:
                        return inner
        return _unwrap(options[0], node) if len(options) == 1 else (options[0] if options and not isinstance(node, dict) else None)
    return model


# ---------------------------------------------------------------- cross references

def _check_references(spec: Spec, lines: dict[Loc, int], shown: str, base: Path | None = None) -> None:
    seen: set[str] = set()
    for i, model in enumerate(spec.models):
        here: Loc = ("models", i)
        if model.name in seen:
            raise SpecError(shown, lines.get(here + ("name",)), _dotted(here + ("name",)), f"duplicate model name {model.name!r}")
        seen.add(model.name)
        if model.is_source or model.dataset is None:
            _check_source_paths(model, here, lines, shown)
            if model.dataset is None:
                continue
        if model.dataset not in spec.datasets:
            hint = _closest(model.dataset, list(spec.datasets))
            raise SpecError(shown, lines.get(here + ("dataset",)), _dotted(here + ("dataset",)),
                            f"no dataset named {model.dataset!r}{hint}; defined: {', '.join(spec.datasets)}")
        facts = _dataset_facts(spec, model.dataset, lines, shown)
        if model.train is not None and not DATA_KINDS[spec.datasets[model.dataset].kind].labelled:
            loc = here + ("train",) if model.is_source else here + ("dataset",)
            raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc),
                            f"data set {model.dataset!r} has no labels to train on: only a network that already exists "
                            "can look at it, with no train block")
        if model.is_source:
            continue  # its layers and shapes are known once Keras has loaded it (netviz.models.load)
        kind = spec.datasets[model.dataset].kind
        if model.is_sequential:
            _check_output(kind, facts, model.target or "", model.layers or [], here, here + ("layers",), lines, shown)
        else:
            heads: set[str] = set()
            for j, head in enumerate(model.heads or []):
                hl = here + ("heads", j)
                if head.name in heads:
                    raise SpecError(shown, lines.get(hl + ("name",)), _dotted(hl + ("name",)), f"duplicate head name {head.name!r}")
                heads.add(head.name)
                _check_output(kind, facts, head.target, head.layers, hl, hl + ("layers",), lines, shown)
        _check_layer_names(model, here, lines, shown)
        try:
            shapes, _ = layer_shapes(model, facts.input_shape)
        except ShapeError as err:
            loc = here + err.where
            raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc), str(err)) from None
        _check_visualize(model, shapes, here, lines, shown)
        if model.visualize.cam_layers is None and spec.visualize.cam.layers is not None:
            _check_global_cam_layers(model, spec.visualize.cam.layers, shapes, lines, shown)


def _dataset_facts(spec: Spec, name: str, lines: dict[Loc, int], shown: str) -> DataFacts:
    """What the data set says about itself (a header, a folder listing), located at its entry on failure."""
    try:
        config = spec.datasets[name]
        return DATA_KINDS[config.kind].describe(config)
    except DataConfigError as err:
        loc: Loc = ("datasets", name, *err.loc)
        raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc), str(err)) from None
    except OSError as err:
        loc = ("datasets", name)
        raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc), f"cannot read: {err}") from None


def _check_output(kind: str, facts: DataFacts, target: str, layers: list, owner: Loc, where: Loc,
                  lines: dict[Loc, int], shown: str) -> None:
    """The last layer must be a Dense that predicts the target: softmax per class, or 1 sigmoid unit for 2 classes."""
    targets = facts.targets
    if target not in targets:
        loc = owner + ("target",)
        raise SpecError(shown, lines.get(loc), _dotted(loc),
                        f"{kind} data has no label {target!r}; expected one of {', '.join(targets)}")
    classes = targets[target]
    last = layers[-1]
    loc = where + (len(layers) - 1,)
    fits = last.type == "Dense" and (
        (last.activation == "softmax" and last.units == classes) or (last.activation == "sigmoid" and last.units == 1 and classes == 2)
    )
    if not fits:
        need = f"Dense with {classes} units and softmax" + (" (or 1 unit and sigmoid)" if classes == 2 else "")
        raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc),
                        f"the output layer for {target!r} ({classes} classes) must be a {need}")


def _check_layer_names(model: schema.Model, here: Loc, lines: dict[Loc, int], shown: str) -> None:
    names = layer_names(model)
    all_names = [name for name, _ in names]
    dupes = sorted({n for n in all_names if all_names.count(n) > 1})
    if dupes:
        raise SpecError(shown, lines.get(here), _dotted(here), f"duplicate layer name {dupes[0]!r}")


def _check_visualize(model: schema.Model, shapes: dict[str, Shape], here: Loc, lines: dict[Loc, int], shown: str) -> None:
    """Chosen layers must exist; filters need a convolution, a heatmap a layer with spatial maps."""
    by_name = dict(layer_names(model))
    choice = model.visualize
    fields = (("activations", choice.activations), ("filters", choice.filters), ("cam", [choice.cam] if choice.cam else None),
              ("cam_layers", choice.cam_layers))
    for field, wanted in fields:
        for k, name in enumerate(wanted or []):
            loc = here + ("visualize", field) + ((k,) if field != "cam" else ())
            if name not in by_name:
                hint = _closest(name, list(by_name))
                raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc),
                                f"model {model.name!r} has no layer {name!r}{hint}")
            if field == "filters" and not LAYER_TYPES[by_name[name]].CONV:
                convolutions = ", ".join(n for n, t in LAYER_TYPES.entries().items() if t.CONV)
                raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc),
                                f"layer {name!r} is a {by_name[name]}, not a convolution ({convolutions})")
            if field in ("cam", "cam_layers") and len(shapes[name]) != 3:
                raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc),
                                f"layer {name!r} is a {by_name[name]} with output shape {shapes[name]}, not a layer with spatial maps")


def _check_global_cam_layers(model: schema.Model, names: list[str], shapes: dict[str, Shape], lines: dict[Loc, int],
                             shown: str) -> None:
    """``visualize.cam.layers`` applies to every model without its own ``cam_layers``: each must have them."""
    for k, name in enumerate(names):
        loc: Loc = ("visualize", "cam", "layers", k)
        if name not in shapes or len(shapes[name]) != 3:
            raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc),
                            f"model {model.name!r} has no layer {name!r} with spatial maps; give that model its own "
                            f"'visualize.cam_layers'")


def _check_source_paths(model: schema.Model, here: Loc, lines: dict[Loc, int], shown: str) -> None:
    """A model file, a weights file and the images exist (read from the spec's folder); their contents are checked
    on load."""
    weights = model.application.weights if model.application else None
    checks: list[tuple[Loc, str]] = []
    if model.file is not None:
        checks.append((here + ("file",), model.file))
    if weights not in (None, "imagenet"):
        checks.append((here + ("application", "weights"), str(weights)))
    images = [model.images] if isinstance(model.images, str) else list(model.images or [])
    for k, item in enumerate(images):
        checks.append((here + ("images",) + ((k,) if not isinstance(model.images, str) else ()), item))
    for loc, value in checks:
        if not Path(value).exists():
            raise SpecError(shown, _line_for(loc, lines, None), _dotted(loc), f"{value}: no such file or folder")
