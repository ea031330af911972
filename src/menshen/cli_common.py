"""Pieces every ``menshen`` command shares: consoles, common options, usage errors, the guard.

Sub-command modules (cards, evaluate, refusal) import these instead of ``menshen.cli`` so that
the command tree has no import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from menshen.errors import MenshenError
from menshen.guard import Guard
from menshen.lexicon.loader import STARTER
from menshen.policy import load_policy

if TYPE_CHECKING:
    from menshen.classify.records import Format

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

LexiconOpt = Annotated[
    list[str] | None,
    typer.Option("--lexicon", "-l", help="Library file or folder (repeatable); default: starter."),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", help="Classifier model (.npz), or none for keywords only; default: shipped."
    ),
]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", help="Policy YAML file.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Output file.")]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", help="Output format: jsonl, csv or parquet (default: from -o)."),
]
InputFormatOpt = Annotated[
    str | None,
    typer.Option(help="Input format: jsonl, csv or parquet (default: from the extension)."),
]


def fail(message: str) -> typer.Exit:
    """Print a usage or configuration error; raise the returned exit (status 2)."""
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(2)


def build_guard(lexicon: list[str] | None, policy: Path | None, model: str | None) -> Guard:
    """The guard for ``--lexicon``, ``--policy`` and ``--model``; bad files are usage errors."""
    try:
        pol = load_policy(policy) if policy else None
        chosen = None if model == "none" else (model or "shipped")
        return Guard.default(pol, lexicon=lexicon or [STARTER], model=chosen)
    except MenshenError as exc:
        raise fail(str(exc)) from exc


def record_formats(
    input: Path, output: Path | None, fmt: str | None, input_format: str | None
) -> tuple[Format, Format]:
    """Input and output formats of a record-file command; bad choices are usage errors."""
    from menshen.classify.records import Format, detect_format

    try:
        in_fmt = detect_format(input, input_format or ("jsonl" if str(input) == "-" else None))
        out_fmt = detect_format(output, fmt) if output else detect_format(input, fmt or in_fmt)
    except MenshenError as exc:
        raise fail(str(exc)) from exc
    if out_fmt is Format.PARQUET and output is None:
        raise fail("Parquet output needs --output")
    if str(input) != "-" and not input.exists():
        raise fail(f"{input}: no such file")
    return in_fmt, out_fmt
