"""``menshen evaluate``: measure a guard against labelled data; tables on stdout, JSON with --out.

Registered by ``menshen.cli`` (``app.command("evaluate")(evaluate_command)``); this module does not
import ``menshen.cli``, so there is no import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from menshen.cli_common import LexiconOpt, ModelOpt, PolicyOpt, build_guard, err, fail, out
from menshen.errors import MenshenError
from menshen.evaluate.mapping import LabelMapping, codes_mapping, load_mapping, positive_mapping
from menshen.evaluate.metrics import BinaryMetrics
from menshen.evaluate.plot import ThresholdPoint
from menshen.evaluate.runner import EvaluationReport, EvaluationSettings, evaluate_records
from menshen.stats import Interval, IntervalMethod
from menshen.verdict import Audience, Role

GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""Thresholds shown in the sweep table (the JSON has every distinct score)."""


def _pct(value: Interval | float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{100 * value:.1f}"
    return f"{100 * value.estimate:.1f} [{100 * value.low:.1f}–{100 * value.high:.1f}]"


def _mapping(mapping: Path | None, positive_labels: list[str] | None) -> LabelMapping:
    if mapping is not None and positive_labels:
        raise fail("give --mapping or --positive-labels, not both")
    if mapping is not None:
        return load_mapping(mapping)
    if positive_labels:
        return positive_mapping(
            p.strip() for value in positive_labels for p in value.split(",") if p.strip()
        )
    return codes_mapping()


def _metrics_row(name: str, m: BinaryMetrics) -> list[str]:
    c = m.counts
    rates = [_pct(m.precision), _pct(m.recall), _pct(m.f1), _pct(m.fpr)]
    return [name, *rates, *(str(n) for n in (c.tp, c.fp, c.fn, c.tn))]


def _at(sweep: tuple[ThresholdPoint, ...], t: float) -> ThresholdPoint | None:
    """The sweep point equivalent to threshold ``t`` (the lowest observed score ≥ t)."""
    above = [p for p in sweep if p.threshold >= t]
    return min(above, key=lambda p: p.threshold) if above else None


def print_report(report: EvaluationReport, console: Console = out) -> None:
    """Readable tables of a report: rates in percent with their intervals in brackets."""
    s, g = report.settings, report.guard
    counts = f"{report.evaluated} records evaluated, {report.skipped} skipped"
    console.print(f"[bold]{escape(s.dataset)}[/bold]: {counts}", soft_wrap=True)
    console.print(
        f"guard: {'+'.join(g.detectors)} · lexicon {g.lexicon_version} · policy "
        f"{g.policy_version} · audience {s.audience.value}",
        soft_wrap=True,
    )
    console.print(
        f"intervals: {s.confidence:.0%}, {s.interval_method.value} for rates, percentile "
        f"bootstrap ({s.bootstrap_replicates} replicates, seed {s.seed}) for F1 and means",
        soft_wrap=True,
    )
    labels = Table("label", "gold", "records", "flagged %", title="share flagged per label")
    for row in report.labels:
        labels.add_row(escape(row.label), row.gold, str(row.n), _pct(row.flagged))
    console.print(labels)
    metrics = Table("task", "precision %", "recall %", "F1 %", "FPR %", title="metrics")
    for name in ("tp", "fp", "fn", "tn"):
        metrics.add_column(name, justify="right")
    metrics.add_row(*_metrics_row("any risk vs none", report.overall))
    for risk in report.per_risk:
        metrics.add_row(*_metrics_row(risk.code, risk))
    if report.macro is not None:
        mac = report.macro
        name = f"macro, {len(mac.classes)} risk{'' if len(mac.classes) == 1 else 's'}"
        metrics.add_row(name, _pct(mac.precision), _pct(mac.recall), _pct(mac.f1))
    console.print(metrics)
    cm = report.confusion
    confusion = Table("label", title="label × reported GB/T 45654 risk (top risk)")
    for column in cm.columns:
        confusion.add_column(column, justify="right")
    for label, cells in zip(cm.rows, cm.cells, strict=True):
        confusion.add_row(escape(label), *(str(n) for n in cells))
    console.print(confusion)
    title = "flagged when the highest risk score ≥ threshold"
    sweep = Table("score ≥", "precision %", "recall %", "FPR %", "flagged", title=title)
    for t in GRID:
        p = _at(report.sweep, t)
        if p is None:
            sweep.add_row(f"{t:.1f}", "—", "0.0", "0.0", "0")
        else:
            rates = (_pct(p.precision), _pct(p.recall), _pct(p.fpr))
            sweep.add_row(f"{t:.1f}", *rates, str(p.tp + p.fp))
    console.print(sweep)
    if report.average_precision is not None:
        console.print(f"average precision: {report.average_precision:.3f}")
    for sample in report.skipped_samples:
        err.print(f"  [yellow]skipped:[/yellow] {escape(sample)}", soft_wrap=True)


def evaluate_command(
    data: Annotated[Path, typer.Argument(help="Labelled JSONL, CSV or Parquet file.")],
    label_field: Annotated[str, typer.Option(help="Field holding the gold label.")],
    text_field: Annotated[str, typer.Option(help="Field holding the text.")] = "text",
    mapping: Annotated[
        Path | None, typer.Option(help="YAML file: dataset label → risk code, safe or unsafe.")
    ] = None,
    positive_labels: Annotated[
        list[str] | None,
        typer.Option(help="Labels meaning harmful (repeatable or comma-separated); others safe."),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report as JSON here.")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option(help="Write the precision-recall curve here (PNG).")
    ] = None,
    lexicon: LexiconOpt = None,
    model: ModelOpt = None,
    policy: PolicyOpt = None,
    role: Annotated[Role, typer.Option(help="Who wrote the texts.")] = Role.INPUT,
    audience: Annotated[Audience, typer.Option(help="Who reads them.")] = Audience.ADULT,
    input_format: Annotated[
        str | None, typer.Option(help="jsonl, csv or parquet (default: from the extension).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    interval: Annotated[
        IntervalMethod, typer.Option(help="Interval for the rates: wilson or exact.")
    ] = IntervalMethod.WILSON,
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="Confidence level of the intervals.")
    ] = 0.95,
) -> None:
    """Measure the guard against labelled data: precision, recall, F1, FPR, confusion, sweep."""
    from menshen.classify.records import detect_format, read_records

    try:
        fmt = detect_format(data, input_format)
        if not data.exists():
            raise fail(f"{data}: no such file")
        settings = EvaluationSettings(
            dataset=str(data),
            text_field=text_field,
            label_field=label_field,
            mapping=_mapping(mapping, positive_labels),
            role=role,
            audience=audience,
            confidence=confidence,
            interval_method=interval,
        )
    except MenshenError as exc:
        raise fail(str(exc)) from exc
    guard = build_guard(lexicon, policy, model)
    with Progress(
        TextColumn("evaluating"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        progress.add_task("evaluating", total=None)
        report = evaluate_records(guard, read_records(data, fmt), settings, workers=workers)
    if report.evaluated == 0:
        for sample in report.skipped_samples:
            err.print(f"  skipped: {escape(sample)}", soft_wrap=True)
        raise fail(f"{data}: no record could be evaluated ({report.skipped} skipped)")
    print_report(report, out if out.is_terminal else Console(highlight=False, width=160))
    if out_path is not None:
        out_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        err.print(f"wrote {escape(str(out_path))}")
    if plot is not None:
        from menshen.evaluate.plot import plot_pr_curve

        overall = report.overall
        point = None
        if overall.recall is not None and overall.precision is not None:
            point = (overall.recall.estimate, overall.precision.estimate)
        try:
            title = f"{data.parent.name}/{data.name}"
            plot_pr_curve(report.sweep, plot, title=title, operating_point=point)
        except MenshenError as exc:
            raise fail(str(exc)) from exc
        err.print(f"wrote {escape(str(plot))}")
