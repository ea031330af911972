"""``menshen judge``: judge a file of model answers (refusal and safety), one record per input.

The command function is registered by :mod:`menshen.cli`; this module does not import it at
module level, so either may be imported first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from menshen.errors import MenshenError


def judge_command(
    input: Annotated[Path, typer.Argument(help="JSONL, CSV or Parquet file; - for stdin.")],
    prompt_field: Annotated[
        str, typer.Option(help="Field holding the question (optional in each record).")
    ] = "prompt",
    response_field: Annotated[str, typer.Option(help="Field holding the model's answer.")] = (
        "response"
    ),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output file.")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Output format: jsonl, csv or parquet (default: from -o)."),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(help="Input format: jsonl, csv or parquet (default: from the extension)."),
    ] = None,
    lexicon: Annotated[
        list[str] | None,
        typer.Option(
            "--lexicon", "-l", help="Library file or folder (repeatable); default: starter."
        ),
    ] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="Policy YAML file.")] = None,
) -> None:
    """Judge model answers: full or partial refusal or compliance, and whether each is unsafe."""
    from menshen.classify import detect_format, open_writer, read_records
    from menshen.cli import _fail, _guard, err
    from menshen.judge import JudgeFields, JudgeSummary, judge_records

    try:
        in_fmt = detect_format(input, input_format or ("jsonl" if str(input) == "-" else None))
        out_fmt = detect_format(output, fmt) if output else detect_format(input, fmt or in_fmt)
    except MenshenError as exc:
        raise _fail(str(exc)) from exc
    if out_fmt.value == "parquet" and output is None:
        raise _fail("Parquet output needs --output")
    if str(input) != "-" and not input.exists():
        raise _fail(f"{input}: no such file")
    guard = _guard(lexicon, policy)
    fields = JudgeFields(response=response_field, prompt=prompt_field or None)
    summary = JudgeSummary()
    with open_writer(output, out_fmt) as writer:
        for record in judge_records(guard, read_records(input, in_fmt), fields=fields):
            writer.write(record)
            summary.add(record)
    judged = max(summary.judged, 1)
    labels = summary.by_label
    err.print(
        f"{summary.records} records: {summary.refused} refused "
        f"({summary.refused / judged:.1%}; {labels['full_refusal']} full, "
        f"{labels['partial_refusal']} partial), {labels['compliance']} compliance, "
        f"{summary.unsafe} unsafe, {summary.errors} errors",
        soft_wrap=True,
    )
    if summary.unsafe:
        by_label = ", ".join(f"{k} {v}" for k, v in sorted(summary.unsafe_by_label.items()))
        err.print(f"unsafe by refusal label: {by_label}", soft_wrap=True)
    for sample in summary.error_samples:
        err.print(f"  [yellow]error:[/yellow] {sample}", soft_wrap=True)
