"""The ``menshen`` command line."""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from menshen.cards.cli import card_app
from menshen.classifier.cli import train_command
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
from menshen.evaluate.cli import evaluate_command
from menshen.gateway.cli import serve_command
from menshen.lexicon.coverage import CoverageReport
from menshen.lexicon.loader import STARTER
from menshen.refusal.cli import judge_command, train_refusal_command
from menshen.store.cli import audit_log_app
from menshen.verdict import Action, Audience, Role, Verdict

app = typer.Typer(
    help="门神 Menshen: safety and compliance for AI companion services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
lexicon_app = typer.Typer(
    help="Keyword libraries: coverage check and import.", no_args_is_help=True
)
app.add_typer(lexicon_app, name="lexicon")

_ACTION_STYLE = {Action.ALLOW: "green", Action.FLAG: "yellow", Action.BLOCK: "bold red"}


def _highlighted(text: str, verdict: Verdict) -> Text:
    rendered = Text(text)
    for risk in verdict.risks:
        for span in risk.spans:
            rendered.stylize("bold white on red", span.start, span.end)
    return rendered


@app.command()
def check(
    text: Annotated[str, typer.Argument(help="Text to check, or - to read standard input.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    role: Annotated[Role, typer.Option(help="Who wrote the text.")] = Role.INPUT,
    audience: Annotated[Audience, typer.Option(help="Who will read it.")] = Audience.ADULT,
    lexicon: LexiconOpt = None,
    model: ModelOpt = None,
    policy: PolicyOpt = None,
    fail_on: Annotated[
        Action | None,
        typer.Option(help="Exit with status 1 when the action is this (flag: flag or block)."),
    ] = None,
) -> None:
    """Check one text and show the risks, highlighted where they are in the text."""
    if text == "-":
        text = sys.stdin.read()
    verdict = build_guard(lexicon, policy, model).check(text, role=role, audience=audience)
    _show(text, verdict, as_json)
    if fail_on is not None and _SEVERITY[verdict.action] >= _SEVERITY[fail_on]:
        raise typer.Exit(1)


_SEVERITY = {Action.ALLOW: 0, Action.FLAG: 1, Action.BLOCK: 2}


def _show(text: str, verdict: Verdict, as_json: bool) -> None:
    if as_json:
        out.print_json(verdict.model_dump_json())
        return
    style = _ACTION_STYLE[verdict.action]
    out.print(Text.assemble(("action: ", "bold"), (verdict.action.value, style)))
    out.print(_highlighted(text, verdict))
    if verdict.risks:
        table = Table("risk", "score", "detector", "evidence")
        for risk in verdict.risks:
            evidence = ", ".join(f"{e.span.text!r}→{e.term} ({e.variant})" for e in risk.evidence)
            table.add_row(risk.code, f"{risk.score:.2f}", risk.detector, evidence)
        out.print(table)


def _summary_table(title: str, counts: Counter[str], total: int) -> Table:
    table = Table(title=title)
    table.add_column("risk")
    table.add_column("records", justify="right")
    table.add_column("share", justify="right")
    for code, n in counts.most_common():
        table.add_row(code, str(n), f"{n / max(total, 1):.1%}")
    return table


@app.command()
def classify(
    input: Annotated[Path, typer.Argument(help="JSONL, CSV or Parquet file; - for stdin.")],
    text_field: Annotated[str, typer.Option(help="Field holding the text.")] = "text",
    role_field: Annotated[
        str | None,
        typer.Option(help="Field naming the speaker (user/assistant); overrides --role."),
    ] = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    input_format: InputFormatOpt = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    role: Annotated[Role, typer.Option(help="Who wrote the texts.")] = Role.INPUT,
    audience: Annotated[Audience, typer.Option(help="Who reads them.")] = Audience.ADULT,
    lexicon: LexiconOpt = None,
    model: ModelOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Classify every record of a file, in input order, keeping all input fields."""
    from menshen.classify import (
        ClassifySummary,
        Fields,
        classify_records,
        open_writer,
    )
    from menshen.classify.records import read_records

    in_fmt, out_fmt = record_formats(input, output, fmt, input_format)
    guard = build_guard(lexicon, policy, model)
    summary = ClassifySummary()
    with (
        Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} records"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress,
        open_writer(output, out_fmt) as writer,
    ):
        task = progress.add_task("classifying", total=None)
        records = read_records(input, in_fmt)
        fields = Fields(text=text_field, role=role_field)
        for record in classify_records(
            guard, records, fields=fields, role=role, audience=audience, workers=workers
        ):
            writer.write(record)
            summary.add(record)
            if summary.records % 1024 == 0:  # a redraw per record would cost more than the check
                progress.update(task, completed=summary.records)
    err.print(
        f"{summary.records} records: {summary.flagged} flagged, {summary.errors} errors "
        f"({dict(summary.by_action)})"
    )
    for sample in summary.error_samples:
        err.print(f"  [yellow]error:[/yellow] {sample}")
    if summary.by_standard_risk:
        err.print(_summary_table("by GB/T 45654 risk", summary.by_standard_risk, summary.records))


@app.command()
def taxonomy(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Print the risk taxonomy: GB/T 45654's 31 risks, fine codes and project codes."""
    from menshen.taxonomy import load_taxonomy

    tax = load_taxonomy()
    if as_json:
        out.print_json(json.dumps(tax.to_json(), ensure_ascii=False))
        return
    table = Table("code", "名称", "name", "keyword floor")
    for risk in tax:
        floor = str(risk.keyword_floor) if risk.keyword_floor else ""
        table.add_row(risk.code, risk.name_zh, risk.name_en, floor)
    out.print(table)


@lexicon_app.command("check")
def lexicon_check(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Library files or folders (default: starter).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit with status 1 unless every floor is met, not stale."),
    ] = False,
) -> None:
    """Report size, per-risk coverage against GB/T 45654's floors, and staleness."""
    from menshen.lexicon.coverage import check_library
    from menshen.lexicon.loader import load_library

    try:
        report = check_library(load_library(paths or [STARTER]))
    except MenshenError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        out.print_json(report.model_dump_json())
    else:
        _print_coverage(report)
    if strict and not report.compliant:
        raise typer.Exit(1)


def _print_coverage(report: CoverageReport) -> None:
    table = Table("risk", "名称", "keywords", "floor", "status", title=f"library {report.version}")
    for row in report.risks:
        status = "[green]ok[/green]" if row.meets_floor else "[red]below floor[/red]"
        table.add_row(row.code, row.name_zh, str(row.count), str(row.floor), status)
    out.print(table)
    if report.other_codes:
        out.print("other risks: " + ", ".join(f"{c} {n}" for c, n in report.other_codes.items()))
    mark = "[green]ok[/green]" if report.meets_total else "[red]below floor[/red]"
    out.print(f"total keywords: {report.total} (floor {report.total_floor}) {mark}")
    age = "unknown" if report.age_days is None else f"{report.age_days:.1f} days"
    out.print(f"last update: {age} ago " + ("[red](stale: > 7 days)[/red]" if report.stale else ""))
    if report.below_floor:
        out.print(
            f"[bold]{len(report.below_floor)} of {len(report.risks)} keyword risks are below the "
            f"floor; the operator must supply:[/bold] " + ", ".join(report.below_floor)
        )


@lexicon_app.command("import")
def lexicon_import(
    files: Annotated[
        list[Path], typer.Argument(help="Plain-text lists (one word per line) or folders of .txt.")
    ],
    mapping: Annotated[Path, typer.Option("--map", help="YAML: file-name glob → risk code.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="YAML library to write.")],
    name: Annotated[str, typer.Option(help="Library name.")] = "imported",
) -> None:
    """Convert plain-text lists into one YAML library."""
    from menshen.lexicon.importers import dump_yaml, import_lists, list_files, read_mapping

    try:
        lexicon, skipped = import_lists(list_files(files), read_mapping(mapping), name=name)
    except MenshenError as exc:
        raise fail(str(exc)) from exc
    output.write_text(dump_yaml(lexicon), encoding="utf-8")
    err.print(f"wrote {len(lexicon.entries)} entries to {output}; skipped {skipped}")


@app.command()
def demo(
    lexicon: LexiconOpt = None,
    model: ModelOpt = None,
) -> None:
    """Classify the bundled sample chat log and summarise by risk and by character."""
    from menshen.classify import ClassifySummary, Fields, classify_records
    from menshen.classify.records import Format, read_records

    sample = Path(str(resources.files("menshen.data").joinpath("sample_chatlog.jsonl")))
    guard = build_guard(lexicon, None, model)
    summary = ClassifySummary()
    per_char: defaultdict[str, Counter[str]] = defaultdict(Counter)
    records = read_records(sample, Format.JSONL)
    for record in classify_records(guard, records, fields=Fields(role="role")):
        summary.add(record)
        name = str(record.get("character_name", "?"))
        per_char[name]["segments"] += 1
        verdict = record.get("verdict")
        if verdict and verdict["flagged"]:
            per_char[name]["flagged"] += 1
            for risk in {r["code"] for r in verdict["risks"]}:
                per_char[name][risk] += 1
    out.print(f"[bold]Menshen demo[/bold]: {sample.name}, lexicon {guard.lexicon_version}")
    out.print(
        f"{summary.records} segments, {summary.flagged} flagged "
        f"({summary.flagged / max(summary.records, 1):.1%}), {summary.errors} errors"
    )
    out.print(_summary_table("segments by risk", summary.by_risk, summary.records))
    table = Table("character", "segments", "flagged", "share", "top risks", title="by character")
    for name, counts in sorted(per_char.items(), key=lambda kv: -kv[1]["flagged"]):
        risks = Counter({k: v for k, v in counts.items() if k not in ("segments", "flagged")})
        top = ", ".join(f"{c} {n}" for c, n in risks.most_common(3))
        share = counts["flagged"] / counts["segments"]
        table.add_row(name, str(counts["segments"]), str(counts["flagged"]), f"{share:.0%}", top)
    out.print(table)


# Commands that live in their own packages, listed after the core ones in --help.
app.add_typer(card_app, name="card")
app.add_typer(audit_log_app, name="audit-log")
app.command("evaluate")(evaluate_command)
app.command("judge")(judge_command)
app.command("serve")(serve_command)
app.command("train-refusal")(train_refusal_command)
app.command("train")(train_command)


def main() -> None:
    """Entry point of the ``menshen`` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
