"""The documentation keeps up with the code (the datasette ``test_docs.py`` idea).

- every ``menshen`` command, option and argument is described in docs/cli.md, in the section of
  its own command;
- every registered detector has docs/detectors/<name>.md with the fixed template headings;
- every public name in ``menshen.__all__`` is documented in docs/guard.md or docs/errors.md;
- both READMEs open with ``make demo`` and ``make test``;
- every relative link in the READMEs, CONTRIBUTING.md and docs/ points to an existing file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

import menshen
import menshen.cli
from menshen.detect import registry

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

DETECTOR_HEADINGS = ("How it works", "Examples", "Configuration", "Known limits", "Benchmark")
"""The fixed template of docs/detectors/<name>.md (see CONTRIBUTING.md)."""

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)


def _commands(command: Any, path: tuple[str, ...] = ("menshen",)) -> Iterator[tuple[str, Any]]:
    """``("menshen lexicon check", command)`` for the app and every command below it.

    Typer ships its own copy of click, so commands and parameters are duck-typed here.
    """
    yield " ".join(path), command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(typer.main.get_command(menshen.cli.app)))


def _command_sections(text: str) -> dict[str, str]:
    """Sections of docs/cli.md whose heading is a command line (``## `menshen check` ``)."""
    sections: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            title = match.group(2).strip().strip("`").strip()
            current = title if title.split(" ")[0] == "menshen" else None
            if current is not None:
                sections[current] = ""
            continue
        if current is not None:
            sections[current] += line + "\n"
    return sections


@pytest.fixture(scope="module")
def cli_sections() -> dict[str, str]:
    return _command_sections((DOCS / "cli.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_section(cli_sections: dict[str, str], command: str) -> None:
    assert command in cli_sections, f"docs/cli.md needs a heading '## `{command}`'"


@pytest.mark.parametrize(
    ("command", "param"),
    [
        (name, param)
        for name, command in sorted(COMMANDS.items())
        for param in command.params
        if param.name is not None
    ],
    ids=lambda value: value if isinstance(value, str) else str(value.name),
)
def test_every_option_and_argument_is_documented(
    cli_sections: dict[str, str], command: str, param: Any
) -> None:
    section = cli_sections.get(command, "")
    if param.param_type_name == "option":
        names = [*param.opts, *param.secondary_opts]  # "-l" must not count as found in "--lexicon"
    else:
        names = [str(param.name).upper()]
    for name in names:
        found = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", section)
        assert found, f"docs/cli.md, section '{command}': {param.param_type_name} {name} missing"


@pytest.mark.parametrize("name", registry.names())
def test_every_detector_has_a_page_with_the_template(name: str) -> None:
    page = DOCS / "detectors" / f"{name}.md"
    assert page.exists(), f"{page.relative_to(ROOT)} is missing"
    headings = {
        m.group(2).strip()
        for line in page.read_text(encoding="utf-8").splitlines()
        if (m := _HEADING.match(line))
    }
    missing = [h for h in DETECTOR_HEADINGS if h not in headings]
    assert not missing, f"{page.relative_to(ROOT)} lacks the template headings {missing}"


@pytest.mark.parametrize("name", [n for n in menshen.__all__ if n != "__version__"])
def test_every_public_name_is_documented(name: str) -> None:
    text = "".join((DOCS / page).read_text(encoding="utf-8") for page in ("guard.md", "errors.md"))
    assert re.search(rf"\b{re.escape(name)}\b", text), (
        f"menshen.{name} is not mentioned in docs/guard.md or docs/errors.md"
    )


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_readme_opens_with_make_demo_and_make_test(readme: str) -> None:
    head = "\n".join((ROOT / readme).read_text(encoding="utf-8").splitlines()[:15])
    assert "make demo" in head and "make test" in head, readme


def _pages() -> list[Path]:
    pages = [ROOT / "README.md", ROOT / "README.zh-CN.md", ROOT / "CONTRIBUTING.md"]
    return [*pages, *sorted(DOCS.rglob("*.md"))]


def _relative_links(text: str) -> list[str]:
    text = _FENCE.sub("", text)
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code is not a link
    links = _INLINE_LINK.findall(text) + _REF_LINK.findall(text)
    return [
        link
        for link in links
        if not re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE)  # http:, mailto: ...
        and not link.startswith("#")
    ]


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(page: Path) -> None:
    if not page.exists():
        pytest.fail(f"{page.relative_to(ROOT)} is missing")
    broken = [
        link
        for link in _relative_links(page.read_text(encoding="utf-8"))
        if not (page.parent / link.split("#", 1)[0]).exists()
    ]
    assert not broken, f"{page.relative_to(ROOT)}: broken links {broken}"


def test_link_finder_finds_links() -> None:
    text = '[a](docs/x.md) [b](https://e.org) [c](#top) ![d](img.png "t")\n`[e](no.md)`\n[f]: y.md'
    assert _relative_links(text) == ["docs/x.md", "img.png", "y.md"]
