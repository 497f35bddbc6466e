"""The documents say only what the code does.

Commands, options, make targets, settings, bench figure keys, GraphQL root fields and file
paths written in the docs are read out of the markdown and looked up in the real objects:
the Typer app's click tree, the Makefile, ``Settings``, the bench code, the committed SDL and
the tree. Each test lists every mismatch at once, and each also asserts it found a sensible
number of items, so a change in how the docs are written cannot make it pass on nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from graphql import GraphQLSchema, build_schema, parse, validate

from techsov.cli import app
from techsov.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMMAND_DOCS = ("README.md", "ingest/FORMAT.md", "ingest/IMPORT.md", "bench/README.md")

# Fewest invocations and options each document is known to write; a parser that stops
# finding them fails here instead of passing on nothing.
MIN_FOUND = {
    "README.md": (25, 20),
    "ingest/FORMAT.md": (4, 3),
    "ingest/IMPORT.md": (10, 10),
    "bench/README.md": (6, 10),
}

# TECHSOV_* names that are read outside Settings on purpose, with the file that reads them.
NOT_SETTINGS = {"TECHSOV_DEBUG": "techsov/console.py"}  # read before any Settings exists

# Names bench/README.md writes in backticks that are not keys of latest.json.
NOT_RESULT_KEYS = {"ru_maxrss"}  # the kernel's peak-RSS field the probe falls back to

WORD = r"[a-z][a-z0-9-]*"


# --- reading the markdown -------------------------------------------------------------


def code_texts(markdown: str) -> list[str]:
    """Lines of fenced blocks (continuations joined, comments dropped) and inline spans."""
    texts: list[str] = []
    outside: list[str] = []
    fenced = False
    block: list[str] = []
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            if fenced:
                joined = "\n".join(block).replace("\\\n", " ")
                texts.extend(re.sub(r"\s#\s.*$", "", x) for x in joined.splitlines())
                block = []
            fenced = not fenced
            outside.append("")
            continue
        (block if fenced else outside).append(line)
    prose = "\n".join(outside)
    texts.extend(
        m.group(1).replace("\\|", "|").replace("\n", " ") for m in re.finditer(r"`([^`]+)`", prose)
    )
    return texts


def inline_spans(markdown: str) -> list[str]:
    """Inline code spans of the prose (a span may run over a line break)."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)
    return [m.group(1).replace("\n", " ") for m in re.finditer(r"`([^`]+)`", prose)]


# --- the real command lines -----------------------------------------------------------


@dataclass
class Command:
    options: set[str]
    subcommands: dict[str, Command] = field(default_factory=dict)


def click_tree(command: Any) -> Command:
    options: set[str] = {"--help"}
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option":
            options.update(o for o in [*param.opts, *param.secondary_opts] if o.startswith("--"))
    subs = getattr(command, "commands", None) or {}
    return Command(options, {name: click_tree(sub) for name, sub in subs.items()})


def argparse_options(path: Path) -> set[str]:
    """``--options`` a bench script's parser declares (its ``add_argument`` literals)."""
    found = {"--help"}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            found.update(
                a.value
                for a in node.args
                if isinstance(a, ast.Constant)
                and isinstance(a.value, str)
                and a.value.startswith("--")
            )
    return found


TECHSOV = click_tree(typer.main.get_command(app))


def bench_script(module: str) -> Path:
    parts = module.split(".")
    return (
        ROOT.joinpath(*parts[:-1], parts[-1] + ".py")
        if len(parts) > 1
        else (ROOT / "bench" / "__main__.py")
    )


def all_techsov_options(command: Command = TECHSOV) -> set[str]:
    out = set(command.options)
    for sub in command.subcommands.values():
        out |= all_techsov_options(sub)
    return out


@dataclass
class Found:
    invocations: int = 0
    options: int = 0
    problems: list[str] = field(default_factory=list)


def options_in(tokens: list[str]) -> Iterator[str]:
    for token in tokens:
        m = re.match(r"^\[?(--[a-z][a-z0-9-]*)", token)
        if m:
            yield m.group(1)


def words_until_end(text: str) -> list[str]:
    tokens = []
    for token in text.split():
        if token in ("#", "&&", ";", "|", ")") or token.startswith("#"):
            break
        tokens.append(token)
    return tokens


def check_techsov(rest: str, where: str, found: Found) -> None:
    found.invocations += 1
    tokens = words_until_end(rest)
    commands, path = [TECHSOV], ["techsov"]
    while tokens and all(c.subcommands for c in commands):
        token = tokens[0]
        if token.startswith("--"):
            found.options += 1
            if token.split("=")[0] not in commands[0].options:
                found.problems.append(f"{where}: `{' '.join(path)} {token}`: no such option")
            tokens.pop(0)
            continue
        if not re.fullmatch(rf"{WORD}(\|{WORD})*", token):
            break
        tokens.pop(0)
        names = token.split("|")
        missing = [n for n in names if n not in commands[0].subcommands]
        if missing:
            found.problems.append(f"{where}: `{' '.join(path)} {token}`: no such command")
            return
        commands = [c.subcommands[n] for c in commands for n in names]
        path.append(token)
    if all(c.subcommands for c in commands):  # `techsov import ... --out`: any subcommand
        commands = [s for c in commands for s in c.subcommands.values()]
    for option in options_in(tokens):
        found.options += 1
        lacking = [c for c in commands if option not in c.options]
        if lacking:
            found.problems.append(f"{where}: `{' '.join(path)} {option}`: no such option")


def check_bench(module: str, rest: str, where: str, found: Found) -> None:
    found.invocations += 1
    script = bench_script(module)
    if not script.is_file():
        found.problems.append(f"{where}: `python -m {module}`: no {script.relative_to(ROOT)}")
        return
    declared = argparse_options(script)
    for option in options_in(words_until_end(rest)):
        found.options += 1
        if option not in declared:
            found.problems.append(f"{where}: `python -m {module} {option}`: no such option")


INVOCATION = re.compile(
    r"(?:(?<=^)|(?<=[\s(]))(?:[\w./-]*/)?(?:techsov\s+(?P<rest>.*)"
    r"|python3?\s+-m\s+(?P<module>bench(?:\.\w+)?)(?P<brest>(?:\s.*)?$))"
)


def check_document(name: str) -> Found:
    markdown = (ROOT / name).read_text(encoding="utf-8")
    found = Found()
    known = all_techsov_options() | {
        o for script in (ROOT / "bench").glob("*.py") for o in argparse_options(script)
    }
    for text in code_texts(markdown):
        where = f"{name}: `{text.strip()[:60]}`"
        for m in INVOCATION.finditer(text):
            if m.group("module"):
                check_bench(m.group("module"), m.group("brest"), where, found)
            else:
                check_techsov(m.group("rest"), where, found)
        if text.lstrip("[").startswith("--"):  # an option named on its own in the prose
            for option in options_in(text.split()[:1]):
                found.options += 1
                if option not in known:
                    found.problems.append(f"{where}: {option} is no option of any command")
    return found


@pytest.mark.parametrize("document", COMMAND_DOCS)
def test_every_documented_command_and_option_exists(document: str) -> None:
    found = check_document(document)
    least_invocations, least_options = MIN_FOUND[document]
    assert found.invocations >= least_invocations, found
    assert found.options >= least_options, found
    assert not found.problems, "\n".join(found.problems)


# --- make targets, settings -----------------------------------------------------------


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_make_target_in_the_readme_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = {
        t
        for m in re.finditer(r"^([\w.-]+(?:[ \t]+[\w.-]+)*)[ \t]*:(?!=)", makefile, re.M)
        for t in m.group(1).split()
    }
    named = {
        m.group(1)
        for text in code_texts(readme())
        for m in re.finditer(r"(?<![\w-])make\s+([a-z][\w-]*)", text)
    }
    assert {"serve", "test"} <= named, named
    assert len(named) >= 4, named
    assert sorted(named - targets) == []


def test_every_techsov_variable_in_the_readme_is_a_setting() -> None:
    prefix = str(Settings.model_config.get("env_prefix", "")).upper()
    assert prefix == "TECHSOV_"
    settings = {prefix + name.upper() for name in Settings.model_fields}
    named = set(re.findall(r"TECHSOV_[A-Z0-9_]*(?:[A-Z0-9]|_\*)", readme()))
    assert len(named) >= 15, named
    problems = []
    for name in sorted(named):
        if name.endswith("*"):
            if not any(s.startswith(name[:-1]) for s in settings):
                problems.append(f"{name}: no setting starts so")
        elif name in NOT_SETTINGS:
            reader = (ROOT / NOT_SETTINGS[name]).read_text(encoding="utf-8")
            if f'"{name}"' not in reader:
                problems.append(f"{name}: not read by {NOT_SETTINGS[name]} any more")
        elif name not in settings:
            problems.append(f"{name}: not a field of techsov.settings.Settings")
    assert problems == []


# --- bench figure keys ----------------------------------------------------------------


def bench_strings() -> tuple[set[str], list[re.Pattern[str]]]:
    """String constants of the bench code, and f-strings as patterns (``exposure_d{d}``)."""
    constants: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for script in (ROOT / "bench").glob("*.py"):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        docstrings = {
            id(n.value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                parts = [
                    re.escape(str(v.value)) if isinstance(v, ast.Constant) else r"\w+"
                    for v in node.values
                ]
                patterns.append(re.compile("".join(parts)))
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ):
                constants.add(node.value)
    return constants, patterns


def documented_result_keys() -> set[str]:
    """Snake-case names bench/README.md gives in backticks (``key`` or ``key: value``) or
    as table cells (the query names of the latency table)."""
    text = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    key = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+"
    keys = {m.group(1) for s in inline_spans(text) if (m := re.fullmatch(rf"({key})(?::.*)?", s))}
    keys |= {m.group(1) for m in re.finditer(rf"(?<=\| )({key})(?= \|)", text)}
    return keys - NOT_RESULT_KEYS


def test_every_documented_bench_figure_key_is_written_by_the_bench_code() -> None:
    keys = documented_result_keys()
    assert len(keys) >= 8, keys
    assert {"reload_changed", "exposure_d3", "path_l4"} <= keys, keys
    constants, patterns = bench_strings()
    missing = [
        k for k in sorted(keys) if k not in constants and not any(p.fullmatch(k) for p in patterns)
    ]
    assert missing == []


# --- GraphQL root fields --------------------------------------------------------------


def committed_schema() -> GraphQLSchema:
    return build_schema((ROOT / "api" / "schema.graphql").read_text(encoding="utf-8"))


def readme_queries() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", readme(), re.S)


def test_every_graphql_root_field_in_the_readme_is_in_the_committed_schema() -> None:
    schema = committed_schema()
    assert schema.query_type is not None
    blocks = readme_queries()
    named = {m.group(1) for b in blocks for m in re.finditer(r"^\{\s*(\w+)\(", b, re.M)}
    assert len(named) >= 4, named
    assert sorted(named - set(schema.query_type.fields)) == []


def test_every_graphql_query_in_the_readme_validates_against_the_committed_schema() -> None:
    schema = committed_schema()
    blocks = readme_queries()
    assert len(blocks) >= 4
    problems = [
        f"{block.splitlines()[0][:60]}: {error.message}"
        for block in blocks
        for error in validate(schema, parse(block))
    ]
    assert problems == []


# --- ARCHITECTURE.md ------------------------------------------------------------------


def test_every_file_architecture_names_exists() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = {
        s.rstrip("/")
        for s in inline_spans(text)
        if re.fullmatch(r"[\w.-]+(?:/[\w.-]+)*(?:\.(?:py|md|ttl|graphql|yaml|toml)|/)", s)
    }
    assert len(named) >= 30, named
    assert sorted(p for p in named if not (ROOT / p).exists()) == []
