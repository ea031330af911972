"""``menshen train``: train a classifier from a recipe.

Registered by ``menshen.cli`` (``app.command("train")(train_command)``); this module does not
import ``menshen.cli``, so there is no import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from menshen.cli_common import err, fail, out
from menshen.errors import MenshenError

if TYPE_CHECKING:
    from menshen.classifier.crossval import CrossValidationReport


def train_command(
    recipe: Annotated[Path, typer.Option("--recipe", help="Recipe YAML file.")],
    cv: Annotated[
        int | None,
        typer.Option(
            "--cv", min=2, help="Cross-validate over this many folds instead of writing a model."
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="With --cv: lowest top probability counted a hit."),
    ] = 0.5,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="With --cv: write the report as JSON here.")
    ] = None,
) -> None:
    """Train a classifier model from a recipe; write it to the recipe's output (.npz)."""
    from menshen.classifier.train import load_recipe, train

    try:
        loaded = load_recipe(recipe)
        if cv is not None:
            from menshen.classifier.crossval import cross_validate

            report = cross_validate(loaded, folds=cv, threshold=threshold)
        else:
            result = train(loaded, output=Path(loaded.output))
    except MenshenError as exc:
        raise fail(str(exc)) from exc
    if cv is not None:
        _print_cv(report)
        if out_path is not None:
            out_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
            err.print(f"wrote {escape(str(out_path))}")
        return
    card = result.model.card
    out.print(f"wrote {escape(str(result.path))}: {card.model_id}", soft_wrap=True)
    out.print(f"{card.examples} examples; positives per code:", soft_wrap=True)
    for code, n in card.positives.items():
        out.print(f"  {code}: {n}", soft_wrap=True)


def _print_cv(report: CrossValidationReport) -> None:
    table = Table(title=f"{report.recipe}: {report.folds}-fold cross-validation")
    for column in ("class", "support", "predicted", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for c in report.classes:
        table.add_row(
            escape(c.label),
            str(c.support),
            str(c.predicted),
            f"{c.precision:.3f}",
            f"{c.recall:.3f}",
            f"{c.f1:.3f}",
        )
    out.print(table)
    out.print(
        f"{report.examples} texts; macro-F1 {report.macro_f1:.4f}, accuracy {report.accuracy:.4f}"
        f" (threshold {report.threshold}, seed {report.seed})",
        soft_wrap=True,
    )
