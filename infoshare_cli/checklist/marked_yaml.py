"""YAML with line and column marks on every mapping and list, so a problem in a question
file can be reported where it is; refuses aliases and duplicate keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from infoshare_cli.domain.questions import QuestionSetError

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import MappingNode, Node, SequenceNode

    # The mixins below only work mixed into a yaml loader (see _loaders), so the type
    # checker reads them as loaders; at run time they stay plain (yaml is imported late).
    _Loader = yaml.SafeLoader
else:
    _Loader = object


class _Marked:
    """Remembers where a YAML mapping or list began, and where each key was."""

    line: int | None = None
    column: int | None = None
    key_marks: dict[Any, tuple[int, int]]


class MarkedDict(dict, _Marked):
    pass


class MarkedList(list, _Marked):
    pass


class _Marking(_Loader):
    """Constructs MarkedDicts and MarkedLists; refuses duplicate keys and non-scalar keys."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> MarkedDict:
        import yaml

        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                raise yaml.MarkedYAMLError(
                    problem="a key must be a plain word", problem_mark=key_node.start_mark
                )
            if key in seen:
                raise yaml.MarkedYAMLError(
                    problem=f"the key '{key}' appears twice in the same block",
                    problem_mark=key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        mapping = MarkedDict(super().construct_mapping(node, deep=True))
        mapping.line, mapping.column = node.start_mark.line + 1, node.start_mark.column + 1
        mapping.key_marks = {k: (m.line + 1, m.column + 1) for k, m in seen.items()}
        return mapping

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> MarkedList:
        items = MarkedList(super().construct_sequence(node, deep=True))
        items.line, items.column = node.start_mark.line + 1, node.start_mark.column + 1
        items.key_marks = {}
        return items


class _NoAliases(_Loader):
    """With ``yaml.SafeLoader``: refuses anchors and aliases, saying where."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        import yaml

        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (& and *) are not allowed in a question file; "
                "write each question out in full",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


class _AliasFound(Exception):
    pass


class _AliasCheck(_Loader):
    """With libyaml's loader: raises _AliasFound for any alias.

    libyaml resolves an alias to the very node it names, so a node met twice is an alias.
    """

    def get_single_data(self) -> Any:
        import yaml

        node = self.get_single_node()
        if node is None:
            return None
        seen: set[int] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            if id(current) in seen:
                raise _AliasFound
            seen.add(id(current))
            if isinstance(current, yaml.MappingNode):
                for key, value in current.value:
                    stack += (key, value)
            elif isinstance(current, yaml.SequenceNode):
                stack += current.value
        return self.construct_document(node)


_LOADERS: dict[str, type[_Marking]] = {}


def _loaders() -> dict[str, type[_Marking]]:
    """The YAML loaders, made on first use (importing yaml costs ~10 ms, which `infoshare log`
    does without: see ``outcome_labels``).

    ``_MarkedLoader``: a SafeLoader that keeps line numbers and refuses duplicate keys and
    anchors/aliases. ``_FastMarkedLoader``: the same, parsed by libyaml (about ten times
    faster than the pure-Python parser); anything wrong is left to ``_MarkedLoader``, which
    says exactly what and where.
    """
    if not _LOADERS:
        import yaml

        fast_base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        # type() with three arguments makes a class the checker only knows as `type`.
        _LOADERS["_MarkedLoader"] = cast(
            "type[_Marking]",
            type(
                "_MarkedLoader", (_Marking, _NoAliases, yaml.SafeLoader), {"__module__": __name__}
            ),
        )
        _LOADERS["_FastMarkedLoader"] = cast(
            "type[_Marking]",
            type("_FastMarkedLoader", (_Marking, _AliasCheck, fast_base), {"__module__": __name__}),
        )
        for loader in _LOADERS.values():
            loader.add_constructor("tag:yaml.org,2002:map", _Marking.construct_mapping)
            loader.add_constructor("tag:yaml.org,2002:seq", _Marking.construct_sequence)
    return _LOADERS


def __getattr__(name: str) -> Any:  # `questions._MarkedLoader` still works
    if name in ("_MarkedLoader", "_FastMarkedLoader"):
        return _loaders()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load_fast(text: str) -> Any:
    """The built-in set parsed by libyaml, or None to use the careful parser instead."""
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return None
    try:
        return yaml.load(text, Loader=_loaders()["_FastMarkedLoader"])  # noqa: S506 - a SafeLoader
    except Exception:  # anything at all: the careful parser explains it
        return None


def load_marked_yaml(text: str, source: str) -> Any:
    """``yaml.safe_load`` with positions kept; any failure becomes a QuestionSetError."""
    import yaml

    try:
        return yaml.load(text, Loader=_loaders()["_MarkedLoader"])  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "the YAML is not valid"
        raise QuestionSetError(f"{where}: {problem}. Fix the YAML there.") from None
    except RecursionError:
        raise QuestionSetError(
            f"{source}: the YAML is nested far too deeply to be a question file."
        ) from None
    except yaml.YAMLError as exc:
        raise QuestionSetError(f"{source}: the YAML is not valid ({exc}).") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible date value
        raise QuestionSetError(f"{source}: a value cannot be read ({exc}).") from None
