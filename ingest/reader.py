"""Read curated YAML files into trees that remember the line of every mapping and field.

``yaml.safe_load`` is not enough for hand-edited fact files: it forgets line numbers, keeps
the last of two duplicate keys without a word, and expands anchors and aliases (a few hundred
bytes can expand to gigabytes). So files are *composed* into PyYAML nodes, which carry marks,
and converted by hand:

* anchors and aliases are refused outright - curated facts never need them, and refusing
  them is the only defence against alias bombs that does not depend on a size heuristic;
* mapping keys are kept as the text written (``no:`` stays ``"no"``, not ``False``);
* dates are kept as the text written, so that the validator can say *which* date is
  impossible (PyYAML would raise on ``2024-02-30`` and lose every other problem);
* every problem (encoding, tabs, syntax, duplicate keys, unknown top-level keys, size) is
  collected as a :class:`~ontology.errors.Problem` instead of raised, so a run reports them
  all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ontology.errors import Problem

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Files larger than this are refused unread: curated files are small, runaway ones are not."""

MAX_DEPTH = 64
"""Nesting deeper than this is refused; the format needs four levels."""

TOP_LEVEL_KEYS = ("sources", "entities", "relations", "defaults")
YAML_SUFFIXES = (".yaml", ".yml")

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {
    f"{_TAG}str": "str",
    f"{_TAG}int": "int",
    f"{_TAG}float": "float",
    f"{_TAG}bool": "bool",
    f"{_TAG}null": "null",
    f"{_TAG}timestamp": "timestamp",
}
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class YamlScalar:
    """A scalar as YAML resolved it; ``kind`` says which type ("timestamp" values stay text)."""

    value: str | int | float | bool | None
    kind: str
    line: int

    def describe(self) -> str:
        """How the value reads in a problem message (says the type *and* the value)."""
        kinds = {
            "str": "text",
            "int": "a whole number",
            "float": "a number",
            "bool": "a true/false value",
            "timestamp": "a date/time",
        }
        if self.kind == "null":
            return "an empty value"
        return f"{kinds.get(self.kind, self.kind)} ({self.value!r})"


@dataclass(frozen=True)
class YamlList:
    items: tuple[YamlValue, ...]
    line: int

    def describe(self) -> str:
        return "a list"


@dataclass(frozen=True)
class YamlField:
    """One ``key: value`` pair; ``line`` is the line of the key."""

    key: str
    line: int
    value: YamlValue


@dataclass(frozen=True)
class YamlMap:
    fields: Mapping[str, YamlField]
    line: int

    def get(self, key: str) -> YamlField | None:
        return self.fields.get(key)

    def describe(self) -> str:
        return "a mapping"


YamlValue = YamlScalar | YamlList | YamlMap


@dataclass(frozen=True)
class YamlFile:
    """A parsed fact file: ``name`` is how problems refer to it, ``top`` its top-level map."""

    name: str
    path: Path
    top: YamlMap


@dataclass
class ReadResult:
    files: list[YamlFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Refused(yaml.MarkedYAMLError):
    """Raised from inside the composer for constructs the format refuses."""


class _StrictLoader(yaml.SafeLoader):
    """A composer that refuses anchors/aliases and caps nesting before anything expands."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                problem="YAML anchors and aliases (& and *) are not allowed; write each value out",
                problem_mark=event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    problem=f"nested more than {MAX_DEPTH} levels deep",
                    problem_mark=event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_CONSTRUCTOR = SafeConstructor()


def display_name(path: Path) -> str:
    """The name problems use for a file: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_yaml_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[Problem]]:
    """Expand files and folders into a file list: every ``*.yaml``/``*.yml`` below a folder,
    sorted, skipping hidden files and folders (editor backups, ``.git``)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in YAML_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(Problem(str(path), 0, "", "folder holds no .yaml or .yml files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), 0, "", "no such file or folder"))
    unique: list[Path] = []
    seen: set[Path] = set()
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, problems


def read_yaml_files(
    paths: Iterable[Path | str], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ReadResult:
    """Read every fact file under ``paths``; files that cannot be parsed are left out."""
    files, problems = find_yaml_files(paths)
    result = ReadResult(problems=problems)
    for path in files:
        parsed, file_problems = read_yaml_file(path, max_bytes=max_bytes)
        result.problems.extend(file_problems)
        if parsed is not None:
            result.files.append(parsed)
    return result


def read_yaml_file(
    path: Path, *, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[YamlFile | None, list[Problem]]:
    """Read one file: size limit, UTF-8, tabs, YAML syntax, keys. ``None`` if unusable."""
    name = name or display_name(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, [
                Problem(name, 0, "", f"file is {size} bytes, more than the limit of {max_bytes}")
            ]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, 0, "", f"cannot read file: {exc.strerror or exc}")]
    if len(data) > max_bytes:  # the file grew between stat and read
        return None, [Problem(name, 0, "", f"file is more than the limit of {max_bytes} bytes")]
    try:
        text = data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(_BOM) if data.startswith(_BOM) else 0)
        line = data.count(b"\n", 0, offset) + 1
        bad = data[offset : offset + 1].hex()
        return None, [
            Problem(name, line, "", f"file is not valid UTF-8 (byte 0x{bad}); save it as UTF-8")
        ]
    top, problems = parse_yaml_text(text, name)
    return (YamlFile(name, path, top) if top is not None else None), problems


def parse_yaml_text(text: str, name: str) -> tuple[YamlMap | None, list[Problem]]:
    """Parse decoded text into the top-level map; ``None`` when the YAML is unusable."""
    problems: list[Problem] = []
    tab_lines = [i for i, line in enumerate(text.splitlines(), start=1) if "\t" in line]
    problems.extend(
        Problem(name, i, "", "tab character; indent and separate with spaces, not tabs")
        for i in tab_lines
    )
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # checks for unprintable characters
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        line, message = _describe_yaml_error(exc, text)
        if not (line in tab_lines and "\\t" in message):
            problems.append(Problem(name, line, "", message))
        return None, problems
    except RecursionError:
        problems.append(Problem(name, 0, "", f"nested more than {MAX_DEPTH} levels deep"))
        return None, problems
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:  # empty file: nothing to contribute, nothing wrong
        return YamlMap({}, 1), problems
    top = _convert(node, name, problems)
    if not isinstance(top, YamlMap):
        problems.append(
            Problem(
                name,
                _line(node),
                "",
                f"expected a mapping with keys {', '.join(TOP_LEVEL_KEYS)}; found {top.describe()}",
            )
        )
        return None, problems
    problems.extend(
        Problem(
            name,
            f.line,
            key,
            f"unknown top-level key {key!r}; expected one of {', '.join(TOP_LEVEL_KEYS)}",
        )
        for key, f in top.fields.items()
        if key not in TOP_LEVEL_KEYS
    )
    return top, problems


def _describe_yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "syntax error"
        if isinstance(exc, _Refused):
            return (mark.line + 1 if mark else 0), what
        if exc.context and exc.problem:
            what = f"{exc.context}; {exc.problem}"
        return (mark.line + 1 if mark else 0), f"invalid YAML: {what}"
    if isinstance(exc, yaml.reader.ReaderError):
        position = int(exc.position)
        return (
            text.count("\n", 0, position) + 1,
            f"character #x{int(exc.character):04x} is not allowed in YAML ({exc.reason})",
        )
    return 0, f"invalid YAML: {exc}"


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _convert(node: Node, name: str, problems: list[Problem]) -> YamlValue:
    line = _line(node)
    if isinstance(node, ScalarNode):
        return _scalar(node, name, problems)
    if isinstance(node, SequenceNode):
        if node.tag != f"{_TAG}seq":
            problems.append(Problem(name, line, "", f"unsupported YAML tag {node.tag}"))
        items = tuple(_convert(item, name, problems) for item in node.value)
        return YamlList(items, line)
    assert isinstance(node, MappingNode)
    if node.tag != f"{_TAG}map":
        problems.append(Problem(name, line, "", f"unsupported YAML tag {node.tag}"))
    fields: dict[str, YamlField] = {}
    for key_node, value_node in node.value:
        key_line = _line(key_node)
        if not isinstance(key_node, ScalarNode):
            problems.append(Problem(name, key_line, "", "keys must be plain text"))
            continue
        key = str(key_node.value)
        if key in fields:
            problems.append(
                Problem(
                    name,
                    key_line,
                    key,
                    f"duplicate key {key!r} (first at line {fields[key].line}); remove one of them",
                )
            )
            continue
        fields[key] = YamlField(key, key_line, _convert(value_node, name, problems))
    return YamlMap(fields, line)


def _scalar(node: ScalarNode, name: str, problems: list[Problem]) -> YamlScalar:
    line = _line(node)
    kind = _SCALAR_TAGS.get(str(node.tag))
    if kind is None:
        problems.append(Problem(name, line, "", f"unsupported YAML tag {node.tag}"))
        return YamlScalar(str(node.value), "str", line)
    value: str | int | float | bool | None
    if kind == "int":
        value = _CONSTRUCTOR.construct_yaml_int(node)
    elif kind == "float":
        value = _CONSTRUCTOR.construct_yaml_float(node)
    elif kind == "bool":
        value = _CONSTRUCTOR.construct_yaml_bool(node)
    elif kind == "null":
        value = None
    else:  # str and timestamp: the text as written
        value = str(node.value)
    return YamlScalar(value, kind, line)
