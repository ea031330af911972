"""``menshen judge``: judge a file of model answers (refusal and safety), one record per input.

The command function is registered by :mod:`menshen.cli`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from menshen.cli_common import (
    FormatOpt,
    InputFormatOpt,
    LexiconOpt,
    ModelOpt,
    OutputOpt,
    PolicyOpt,
    build_guard,
    err,
    fail,
    out,
    record_formats,
)
from menshen.errors import MenshenError


def judge_command(
    input: Annotated[Path, typer.Argument(help="JSONL, CSV or Parquet file; - for stdin.")],
    prompt_field: Annotated[
        str, typer.Option(help="Field holding the question (optional in each record).")
    ] = "prompt",
    response_field: Annotated[str, typer.Option(help="Field holding the model's answer.")] = (
        "response"
    ),
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    input_format: InputFormatOpt = None,
    lexicon: LexiconOpt = None,
    model: ModelOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Judge model answers: full or partial refusal or compliance, and whether each is unsafe."""
    from menshen.classify import open_writer, read_records
    from menshen.judge import JudgeFields, JudgeSummary, judge_records

    in_fmt, out_fmt = record_formats(input, output, fmt, input_format)
    guard = build_guard(lexicon, policy, model)
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


def train_refusal_command(
    recipe: Annotated[Path, typer.Option("--recipe", help="Refusal recipe YAML file.")],
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the model here (default: recipe).")
    ] = None,
    cv: Annotated[
        int | None,
        typer.Option("--cv", min=2, help="Cross-validate over this many folds; write no model."),
    ] = None,
) -> None:
    """Train the learned refusal model from a recipe of labelled answers (needs 'train' extra)."""
    from menshen.refusal.training import (
        cross_validate_refusal,
        load_refusal_recipe,
        train_refusal,
    )

    try:
        loaded = load_refusal_recipe(recipe)
        if cv is not None:
            report = cross_validate_refusal(loaded, folds=cv)
            out.print(report.model_dump_json(indent=2), soft_wrap=True)
            return
        target = out_path or Path(loaded.output)
        model = train_refusal(loaded, output=target)
    except MenshenError as exc:
        raise fail(str(exc)) from exc
    card = model.card
    counts = ", ".join(f"{k} {v}" for k, v in card.label_counts.items())
    out.print(f"wrote {escape(str(target))}: {card.model_id}", soft_wrap=True)
    out.print(f"{card.examples} answers: {counts}", soft_wrap=True)
