"""``menshen card``: review character cards before they are published.

Wired into the main command with ``app.add_typer(card_app, name="card")``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from menshen.cards.audit import audit_card
from menshen.cards.model import CardFinding, CardReport
from menshen.cards.reader import read_card
from menshen.cli_common import LexiconOpt, ModelOpt, PolicyOpt, build_guard, err, out
from menshen.errors import MenshenError
from menshen.verdict import Action, Audience, Span

card_app = typer.Typer(
    help="Character cards (SillyTavern / Tavern V1, V2, V3): review before publishing.",
    no_args_is_help=True,
)

_STYLE = {Action.ALLOW: "green", Action.FLAG: "yellow", Action.BLOCK: "bold red"}
_MARK = "bold white on red"
_CONTEXT = 30
"""Characters shown on each side of a highlighted span."""


@card_app.callback()
def _card() -> None:
    """Character cards (SillyTavern / Tavern V1, V2, V3): review before publishing."""


def _excerpts(text: str, spans: list[Span]) -> list[Text]:
    """Windows of ``text`` around ``spans``, spans highlighted; close spans share a window."""
    windows: list[tuple[int, int, list[Span]]] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        lo, hi = max(0, span.start - _CONTEXT), min(len(text), span.end + _CONTEXT)
        if windows and lo <= windows[-1][1]:
            start, end, members = windows[-1]
            windows[-1] = (start, max(end, hi), [*members, span])
        else:
            windows.append((lo, hi, [span]))
    rendered = []
    for lo, hi, members in windows:
        line = Text("…" if lo > 0 else "")
        offset = len(line) - lo
        line.append(text[lo:hi].replace("\n", " "))
        for span in members:
            line.stylize(_MARK, span.start + offset, span.end + offset)
        if hi < len(text):
            line.append("…")
        rendered.append(line)
    return rendered


def _show(report: CardReport, texts: dict[str, str]) -> None:
    verdict = (
        Text("publishable", "bold green")
        if report.publishable
        else Text("NOT publishable", "bold red")
    )
    out.rule(style="dim")
    header = Text.assemble((report.source, "bold"), f"  {report.name!r} ({report.spec.value}): ")
    out.print(header.append_text(verdict))
    out.print(
        Text.assemble(
            "action: ",
            (report.action.value, _STYLE[report.action]),
            f"  audience: {report.audience.value}  texts checked: {report.fields_checked}",
        )
    )
    for reason in report.reasons:
        out.print(Text.assemble(("  ✗ ", "bold red"), reason))
    by_path: dict[str, list[CardFinding]] = {}
    for finding in report.findings:
        by_path.setdefault(finding.path, []).append(finding)
    for path, findings in by_path.items():
        out.print(Text.assemble(("• ", "bold"), (path, "cyan"), f"  ({findings[0].role.value})"))
        for f in findings:
            terms = ", ".join(dict.fromkeys(f"{e.term} ({e.variant})" for e in f.evidence))
            out.print(
                Text.assemble(
                    "    ",
                    (f"{f.action.value:<5}", _STYLE[f.action]),
                    f" {f.code} {f.score:.2f}  ",
                    (terms, "dim"),
                )
            )
        spans = [span for f in findings for span in f.spans]
        for line in _excerpts(texts.get(path, ""), spans):
            out.print(Text.assemble("    ", line))
    if report.intimate_persona:
        kinds = ", ".join(sorted({e.kind.value for e in report.persona_evidence}))
        style = "bold red" if report.audience is Audience.MINOR else "yellow"
        out.print(Text.assemble(("intimate persona: ", "bold"), (f"yes ({kinds})", style)))
        for e in report.persona_evidence:
            for line in _excerpts(texts.get(e.path, ""), [e.span]):
                out.print(Text.assemble((f"  {e.path}: ", "cyan"), line, f"  [{e.rule}]"))
    for message in report.errors:
        out.print(Text.assemble(("  detector error: ", "yellow"), message))
    for note in report.notes:
        out.print(Text(f"  note: {note}", "dim"))


@card_app.command()
def audit(
    files: Annotated[
        list[Path], typer.Argument(help="Card files: JSON, PNG or .charx.", show_default=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    audience: Annotated[
        Audience,
        typer.Option(
            help="Who the card is published for; minor also rules out "
            "intimate-partner and virtual-relative personas."
        ),
    ] = Audience.ADULT,
    lexicon: LexiconOpt = None,
    model: ModelOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Audit character cards: every text that can reach the prompt, and the persona.

    Exit status 1 when a card must not be published, 2 when a file cannot be read.
    """
    guard = build_guard(lexicon, policy, model)
    reports: list[CardReport] = []
    failures: list[dict[str, str]] = []
    for path in files:
        try:
            card = read_card(path)
            report = audit_card(card, guard, audience=audience)
        except MenshenError as exc:
            failures.append({"source": str(path), "error": str(exc)})
            err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            continue
        reports.append(report)
        if not as_json:
            _show(report, {f.path: f.text for f in card.fields})
    blocked = sum(not r.publishable for r in reports)
    if as_json:
        payload = {
            "schema_version": 1,
            "reports": [r.model_dump(mode="json") for r in reports],
            "errors": failures,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif len(files) > 1:
        out.print(
            f"{len(files)} files: {len(reports) - blocked} publishable, {blocked} not, "
            f"{len(failures)} unreadable"
        )
    if failures:
        raise typer.Exit(2)
    if blocked:
        raise typer.Exit(1)
