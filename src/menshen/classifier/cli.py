"""``menshen train``: train a classifier from a recipe.

Registered by ``menshen.cli`` (``app.command("train")(train_command)``); this module does not
import ``menshen.cli``, so there is no import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from menshen.cli_common import fail, out
from menshen.errors import MenshenError


def train_command(
    recipe: Annotated[Path, typer.Option("--recipe", help="Recipe YAML file.")],
) -> None:
    """Train a classifier model from a recipe; write it to the recipe's output (.npz)."""
    from menshen.classifier.train import load_recipe, train

    try:
        loaded = load_recipe(recipe)
        result = train(loaded, output=Path(loaded.output))
    except MenshenError as exc:
        raise fail(str(exc)) from exc
    card = result.model.card
    out.print(f"wrote {escape(str(result.path))}: {card.model_id}", soft_wrap=True)
    out.print(f"{card.examples} examples; positives per code:", soft_wrap=True)
    for code, n in card.positives.items():
        out.print(f"  {code}: {n}", soft_wrap=True)
