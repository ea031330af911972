"""``menshen audit-log``: verify the chain, purge old records, show a request's records.

SQLAlchemy is imported when a command runs, not when ``menshen`` starts.
"""

from __future__ import annotations

import getpass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from menshen.cli_common import err, fail, out
from menshen.errors import MenshenError
from menshen.store.config import DEFAULT_MIN_RETENTION, DEFAULT_URL, URL_ENV

if TYPE_CHECKING:
    from menshen.store.audit import AuditLog
    from menshen.store.records import AuditRecord
    from menshen.store.verify import VerifyReport

audit_log_app = typer.Typer(
    help="The hash-chained audit log: verify it, purge old records, show a request's records.",
    no_args_is_help=True,
)

DbOpt = Annotated[
    str,
    typer.Option(
        "--db", envvar=URL_ENV, help="Database URL (sqlite:///path.db or postgresql://…)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _open(db: str, min_retention: timedelta = DEFAULT_MIN_RETENTION) -> AuditLog:
    from menshen.store.audit import AuditLog

    try:
        return AuditLog.open(db, create=False, min_retention=min_retention)
    except MenshenError as exc:
        raise fail(str(exc)) from exc


@audit_log_app.command("verify")
def verify_command(db: DbOpt = DEFAULT_URL, as_json: JsonOpt = False) -> None:
    """Walk the whole chain; exit 0 if intact, 1 naming the first bad record, 2 on error."""
    with _open(db) as log:
        try:
            report = log.verify()
        except MenshenError as exc:
            raise fail(str(exc)) from exc
    if as_json:
        out.print_json(report.model_dump_json())
    else:
        _print_verify(report)
    raise typer.Exit(0 if report.ok else 1)


def _print_verify(report: VerifyReport) -> None:
    if report.anchor is not None:
        a = report.anchor
        out.print(
            f"retention anchor: seq {a.seq} ({a.records} records purged {a.purged_at:%Y-%m-%d} "
            f"by {escape(a.purged_by)})"
        )
    span = f"seq {report.first_seq}–{report.last_seq}" if report.checked else "no records"
    out.print(f"checked {report.checked} records ({span}); head seq {report.head_seq}")
    out.print(f"head hash: {report.head_hash}")
    if report.ok:
        out.print("[green]ok[/green]: every record matches its hash and links to the one before")
    else:
        problem = report.problem.value if report.problem else "?"
        out.print(
            f"[bold red]TAMPERED[/bold red] at seq {report.bad_seq} ({problem}): "
            f"{escape(report.reason or '')}"
        )


@audit_log_app.command("purge")
def purge_command(
    before: Annotated[
        datetime,
        typer.Option(
            "--before",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
            help="Delete records from before this date or time (UTC).",
        ),
    ],
    db: DbOpt = DEFAULT_URL,
    force: Annotated[
        bool, typer.Option("--force", help="Purge inside the minimum retention period too.")
    ] = False,
    min_retention_days: Annotated[
        int,
        typer.Option(
            "--min-retention-days",
            min=0,
            envvar="MENSHEN_AUDIT_MIN_RETENTION_DAYS",
            help="Refuse to purge records younger than this without --force.",
        ),
    ] = DEFAULT_MIN_RETENTION.days,
    reason: Annotated[
        str, typer.Option("--reason", help="Why; kept in the anchor and the chain.")
    ] = "retention",
    as_json: JsonOpt = False,
) -> None:
    """Delete old records, keeping the chain verifiable from a stored anchor."""
    with _open(db, timedelta(days=min_retention_days)) as log:
        try:
            report = log.purge(before, force=force, by=_who(), reason=reason)
        except MenshenError as exc:
            raise fail(str(exc)) from exc
    if as_json:
        out.print_json(report.model_dump_json())
        return
    where = f"; the chain now starts after seq {report.anchor.seq}" if report.anchor else ""
    out.print(f"deleted {report.deleted} records{where}")


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


@audit_log_app.command("show")
def show_command(
    request_id: Annotated[str, typer.Option("--request-id", help="The request or response id.")],
    db: DbOpt = DEFAULT_URL,
    as_json: JsonOpt = False,
) -> None:
    """Show the records of one request id (text as the text policy kept it)."""
    with _open(db) as log:
        try:
            records = log.find(request_id)
        except MenshenError as exc:
            raise fail(str(exc)) from exc
    if as_json:
        out.print_json(data=[r.model_dump(mode="json") for r in records])
    elif not records:
        err.print(f"no records for request id {escape(request_id)}")
    else:
        for record in records:
            _print_record(record)
    if not records:
        raise typer.Exit(1)


def _print_record(r: AuditRecord) -> None:
    risks = ", ".join(r.risks) or "-"
    out.print(
        f"[bold]seq {r.seq}[/bold]  {r.at:%Y-%m-%d %H:%M:%S} UTC  {r.kind}  {escape(r.action)}  "
        f"risks: {escape(risks)}  hash {r.hash[:16]}…",
        soft_wrap=True,
    )
    if r.text is not None:
        out.print(f"  text ({r.text_policy.value}): {escape(r.text)}", soft_wrap=True)
    elif r.text_sha256 is not None:
        out.print(f"  text not kept ({r.text_policy.value}); sha256 {r.text_sha256}")
