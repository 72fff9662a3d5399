"""MkDocs hook: the spec reference page, generated from the spec's JSON Schema at build time.

``netviz.spec.schema.json_schema()`` is the schema ``netviz schema`` prints and editors use, so
the page shows exactly the fields, types, defaults and ranges the loader accepts and cannot
drift from the code. Nothing is written into ``docs/``: the page is a virtual file
(``reference/spec.md``) handed to MkDocs in ``on_files``.

Layout of the page: the top-level spec, then every object it refers to (breadth first), then
each discriminated union (data kinds by ``kind``, layer types by ``type``) as its own section
with one sub-section per member. ``$ref`` types are links to the object's section.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

PAGE = "reference/spec.md"

# Section titles for the discriminated unions, by the field that tells their members apart.
UNION_TITLES = {"kind": "Data kinds", "type": "Layer types"}
UNION_INTROS = {
    "kind": "A data set under `datasets:` is one of these, chosen by its `kind`.",
    "type": "A layer in `layers:`, `trunk:` or a head's `layers:` is one of these, chosen by its `type`. "
            "Every layer also takes `name` (default: Keras-style, counted per model) and `inputs` "
            "(the layers it reads; default: the layer before it).",
}


# ---------------------------------------------------------------- schema -> markdown

def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _code(value: Any) -> str:
    text = value if isinstance(value, str) and value else json.dumps(value, separators=(", ", ": "))
    return f"`{text}`"


def _cell(text: str) -> str:
    """One table cell: a single line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _rst_to_md(text: str) -> str:
    return text.replace("``", "`")


class Reference:
    """Walks the schema once, then renders one markdown page."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.defs: dict[str, dict[str, Any]] = schema.get("$defs", {})
        # discriminator field -> {member value: $def name}
        self.unions: dict[str, dict[str, str]] = {}
        self.order: list[str] = []  # plain objects, breadth first from the root
        self._collect()

    # ---------------------------------------------------------------- walking

    def _collect(self) -> None:
        """Depth first from the root, so each object's own objects follow it on the page."""
        seen: set[str] = set()

        def visit(node: dict[str, Any]) -> None:
            for prop in self._fields(node):
                for ref in self._refs(node["properties"][prop]):
                    if ref not in seen:
                        seen.add(ref)
                        if not self._is_union_member(ref):
                            self.order.append(ref)
                        visit(self.defs[ref])

        visit(self.schema)

    def _fields(self, node: dict[str, Any]) -> list[str]:
        """Required fields first (in schema order), then the others, each group by name."""
        props = node.get("properties", {})
        required = [p for p in node.get("required", []) if p in props]
        return sorted(required) + sorted(p for p in props if p not in required)

    def _refs(self, node: Any) -> list[str]:
        """Every $def this (sub)schema points at, registering discriminated unions on the way."""
        found: list[str] = []
        if isinstance(node, dict):
            disc = node.get("discriminator")
            if isinstance(disc, dict) and "mapping" in disc:
                members = self.unions.setdefault(disc["propertyName"], {})
                for value, ref in disc["mapping"].items():
                    members[value] = _ref_name(ref)
            if "$ref" in node:
                found.append(_ref_name(node["$ref"]))
            for key, value in node.items():
                if key not in ("$ref", "discriminator", "default"):
                    found += self._refs(value)
        elif isinstance(node, list):
            for item in node:
                found += self._refs(item)
        return found

    def _is_union_member(self, name: str) -> bool:
        return any(name in members.values() for members in self.unions.values())

    # ---------------------------------------------------------------- types

    def type_of(self, node: dict[str, Any]) -> str:
        disc = node.get("discriminator")
        if isinstance(disc, dict) and disc.get("propertyName") in self.unions:
            field = disc["propertyName"]
            title = UNION_TITLES.get(field, f"`{field}` variants").lower()
            return f"one of the [{title}](#{_anchor(UNION_TITLES.get(field, field + ' variants'))})"
        if "$ref" in node:
            name = _ref_name(node["$ref"])
            return f"[{name}](#{_anchor(name)})"
        if "const" in node:
            return _code(node["const"])
        if "enum" in node:
            return "one of " + ", ".join(_code(v) for v in node["enum"])
        for key in ("anyOf", "oneOf"):
            if key in node:
                options = [self.type_of(option) for option in node[key]]
                return " or ".join(dict.fromkeys(options))
        kind = node.get("type")
        if kind == "array":
            if "prefixItems" in node:
                return "[" + ", ".join(self.type_of(item) for item in node["prefixItems"]) + "]"
            items = node.get("items")
            return f"list of {self.type_of(items)}" if items else "list"
        if kind == "object":
            values = node.get("additionalProperties")
            for pattern_value in node.get("patternProperties", {}).values():
                values = pattern_value
            if isinstance(values, dict):
                return f"map of name to {self.type_of(values)}"
            return "object"
        if isinstance(kind, list):
            return " or ".join(_code(k) for k in kind)
        return _code(kind) if kind else "any"

    def constraints(self, node: dict[str, Any]) -> list[str]:
        """Ranges, lengths and patterns, from this node and the options of a union."""
        notes: list[str] = []
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        low_op = "<" if "exclusiveMinimum" in node else "≤"
        high_op = "<" if "exclusiveMaximum" in node else "≤"
        if low is not None and high is not None:
            notes.append(f"{low} {low_op} value {high_op} {high}")
        elif low is not None:
            notes.append(f"value {'>' if low_op == '<' else '≥'} {low}")
        elif high is not None:
            notes.append(f"value {high_op} {high}")
        for key, words in (("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
                           ("minItems", "at least {} items"), ("maxItems", "at most {} items")):
            if key in node and not ("prefixItems" in node and key in ("minItems", "maxItems")):
                notes.append("not empty" if key.startswith("min") and node[key] == 1 else words.format(node[key]))
        if "pattern" in node:
            notes.append(f"matches `{node['pattern']}`")
        for key in ("anyOf", "oneOf"):
            for option in node.get(key, []):
                notes += self.constraints(option)
        if node.get("type") == "array" and isinstance(node.get("items"), dict) and "$ref" not in node["items"]:
            notes += [f"each: {note}" for note in self.constraints(node["items"])]
        for item in node.get("prefixItems", [])[:1]:
            notes += [f"each: {note}" for note in self.constraints(item)]
        # an int or a pair of ints with the same range: say the range once
        return [n for n in dict.fromkeys(notes) if not (n.startswith("each: ") and n[6:] in notes)]

    def default_of(self, node: dict[str, Any], required: bool) -> str:
        if required:
            return "**required**"
        if "default" not in node:
            return ""
        value = node["default"]
        if isinstance(value, dict) and value and self._refs(node):
            return "its defaults"
        return _code(value)

    # ---------------------------------------------------------------- page

    def table(self, node: dict[str, Any]) -> list[str]:
        props = node.get("properties", {})
        if not props:
            return ["No fields."]
        required = set(node.get("required", []))
        lines = ["| field | type | default | description |", "| --- | --- | --- | --- |"]
        for name in self._fields(node):
            prop = props[name]
            text = [_rst_to_md(prop["description"])] if prop.get("description") else []
            text += self.constraints(prop)
            cells = [f"`{name}`", self.type_of(prop), self.default_of(prop, name in required), "; ".join(text)]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        if node.get("additionalProperties") is False:
            lines += ["", "Any other key is an error."]
        return lines

    def section(self, name: str, level: str = "##") -> list[str]:
        node = self.defs[name]
        lines = [f"{level} {name} {{#{_anchor(name)}}}", ""]
        if node.get("description"):
            lines += [" ".join(_rst_to_md(node["description"]).split()), ""]
        return lines + self.table(node) + [""]

    def render(self) -> str:
        title = self.schema.get("title", "spec")
        lines = [
            "# Spec reference",
            "",
            f"Every field of the {title}, generated from its JSON Schema when this site is built "
            "(`netviz schema` prints the same schema; `specs/netviz.schema.json` is its committed copy, "
            "which editors use through yaml-language-server). For how the pieces fit together, read "
            "[Writing a spec](../spec.md).",
            "",
            "## The spec {#spec}",
            "",
            "The top level of a spec file.",
            "",
            *self.table(self.schema),
            "",
        ]
        for name in self.order:
            lines += self.section(name)
        for field, members in sorted(self.unions.items(), key=lambda item: UNION_TITLES.get(item[0], item[0])):
            union_title = UNION_TITLES.get(field, f"{field} variants")
            lines += [f"## {union_title} {{#{_anchor(union_title)}}}", ""]
            if field in UNION_INTROS:
                lines += [UNION_INTROS[field], ""]
            lines += [", ".join(f"[`{value}`](#{_anchor(members[value])})" for value in sorted(members, key=str.lower)), ""]
            for value in sorted(members, key=str.lower):
                name = members[value]
                named = "" if name == value else f" ({name})"
                lines += [f"### {value} {{#{_anchor(name)}}}", "", f"`{field}: {value}`{named}", ""]
                node = self.defs[name]
                if node.get("description"):
                    lines += [" ".join(_rst_to_md(node["description"]).split()), ""]
                lines += self.table(node) + [""]
        return "\n".join(lines).rstrip() + "\n"


def spec_reference(schema_text: str) -> str:
    """The reference page (markdown) for a JSON Schema given as text."""
    return Reference(json.loads(schema_text)).render()


# ---------------------------------------------------------------- the MkDocs hook

def on_files(files: Files, config: Any) -> Files:
    root = str(Path(config["config_file_path"]).resolve().parent)
    if root not in sys.path:  # document this checkout's netviz, whichever netviz is installed
        sys.path.insert(0, root)
    from netviz.spec.schema import json_schema

    files.append(File.generated(config, PAGE, content=spec_reference(json_schema())))
    return files
