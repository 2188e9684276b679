"""Strict YAML: the safe loader, refusing a key given twice, aliases and oversized files.

PyYAML keeps the last of two equal keys without a word, and expands aliases without limit
(a few lines can grow to gigabytes). ohti's declarations are small and written by hand, so
neither is ever needed: both are refused with the line they stand on.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ohti.errors import DefinitionError

#: No declaration ohti reads is near this size.
MAX_YAML_BYTES = 2_000_000


class StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (libyaml where available) that refuses repeated keys and aliases."""

    origin = "YAML"

    def construct_object(self, node, deep=False):
        # An alias is the same node met twice (libyaml composes the graph without expanding
        # it; expanding is what costs gigabytes): refuse it at its second appearance.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise DefinitionError([f"line {node.start_mark.line + 1}: the value there is used again through an "
                                   "alias (*name), which is not accepted; write each value out"], self.origin)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise DefinitionError([f"line {key_node.start_mark.line + 1}: key {str(key)[:60]!r} is "
                                       "given twice in the same mapping; give it once"], self.origin)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                             lambda loader, node: loader.construct_mapping(node, deep=True))


def load_yaml(source, origin: str | None = None):
    """Parse YAML strictly from a path or a string.

    Raises
    ------
    DefinitionError
        For invalid YAML, a repeated key, an alias, or a file over :data:`MAX_YAML_BYTES`.
    """
    if isinstance(source, Path):
        origin = origin or source.name
        if source.stat().st_size > MAX_YAML_BYTES:
            raise DefinitionError([f"{source.stat().st_size:,} bytes; at most {MAX_YAML_BYTES:,} are read"], origin)
        text = source.read_text(encoding="utf-8")
    else:
        text = str(source)
        if len(text) > MAX_YAML_BYTES:
            raise DefinitionError([f"{len(text):,} characters; at most {MAX_YAML_BYTES:,} are read"], origin or "YAML")
    loader = StrictLoader(text)
    loader.origin = origin or "YAML"
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise DefinitionError([f"not valid YAML{where} ({getattr(error, 'problem', error)})"], loader.origin) from error
    finally:
        loader.dispose()
