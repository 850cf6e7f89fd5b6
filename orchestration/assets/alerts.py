"""Alert e-mails: every new padding flag at or above the minimum severity, once, ever.

Each run queues one digest per recipient in ops.alert_outbox (the flags no
outbox row names yet), then sends everything the outbox holds that is not
sent yet. SMTP trouble never fails the run: the mails wait for the next one.
"""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, MetadataValue, asset

from alerts import outbox
from alerts.digest import render_digest
from alerts.dispatch import dispatch
from alerts.flags import due_flags
from alerts.routing import flags_by_recipient, load_routing, unrouted
from alerts.settings import AlertConfigError
from orchestration.resources import AlertConfig, Warehouse
from orchestration.settings import DUCKDB_POOL


@asset(
    key=AssetKey(["alert_emails"]),
    deps=[AssetKey(["marts", "padding_flags"]), AssetKey(["staging", "stg_cadres"]), AssetKey(["staging", "stg_units"])],
    group_name="alerts",
    kinds={"duckdb", "email"},
    pool=DUCKDB_POOL,
    description=(
        "E-mails each new padding flag at or above FINGERTIP_ALERT_MIN_SEVERITY once, ever: one digest per "
        "recipient and run, queued in ops.alert_outbox and retried on later runs until the SMTP server accepts it."
    ),
)
def alert_emails(context: AssetExecutionContext, warehouse: Warehouse, alerts: AlertConfig) -> MaterializeResult:
    try:
        settings = alerts.settings()
        routing = load_routing(settings.routing_file)
    except AlertConfigError as exc:
        raise Failure(f"alert settings: {exc}") from None
    smtp = settings.smtp
    warnings: list[str] = []

    # Find the flags no mail names yet and queue their digests, in one transaction.
    with outbox.opened(warehouse.get_connection) as con:
        con.execute("begin transaction")
        flags = due_flags(con, settings.severities, outbox.OUTBOX_TABLE)
        plan = flags_by_recipient(flags, settings.to, routing)
        digests = [
            render_digest(
                recipient,
                recipient_flags,
                all_units=recipient.lower() in {a.lower() for a in settings.to},
                min_severity=settings.min_severity,
                warehouse=Path(warehouse.database),
            )
            for recipient, recipient_flags in plan.items()
        ]
        outbox.enqueue(con, digests, message_domain=_domain(smtp.sender), run_id=context.run.run_id)
        con.execute("commit")
    alerted = {flag_id for d in digests for flag_id in d.flag_ids}
    waiting = unrouted(flags, settings.to, routing)
    if waiting and not settings.to and not routing:
        warnings.append(
            f"no alert recipients configured (FINGERTIP_ALERT_TO, FINGERTIP_ALERT_ROUTING): {len(waiting)} flag(s) "
            f"at or above {settings.min_severity} not e-mailed; they are on the first run that has recipients."
        )
    elif waiting:
        units = sorted({f.unit_id for f in waiting})
        warnings.append(
            f"{len(waiting)} flag(s) of unit(s) {', '.join(units)} have no recipient: set FINGERTIP_ALERT_TO or give "
            "those units an inspector in FINGERTIP_ALERT_ROUTING; they are alerted on the first run that has one."
        )
    context.log.info(
        f"{len(flags)} new flag(s) at or above {settings.min_severity}: queued {len(digests)} digest(s) for "
        f"{len(alerted)} flag(s) in {outbox.OUTBOX_TABLE}; SMTP: {smtp.describe()}"
    )

    result = dispatch(warehouse.get_connection, smtp, context.log, run_id=context.run.run_id)
    if (result.sent or result.failed) and smtp.user and not smtp.starttls:
        warnings.append(
            "FINGERTIP_SMTP_STARTTLS is off: the SMTP login crosses the network unencrypted; "
            "turn it on unless the server is local."
        )
    if result.not_tried:
        warnings.append(
            f"SMTP is not configured (FINGERTIP_SMTP_HOST is not set): {result.not_tried} alert mail(s) stay pending "
            f"in {outbox.OUTBOX_TABLE}; set FINGERTIP_SMTP_HOST (and _PORT, _USER, _PASSWORD, _STARTTLS, "
            "FINGERTIP_ALERT_FROM) and they are sent on the next run."
        )
    with outbox.opened(warehouse.get_connection) as con:
        counts = outbox.status_counts(con)
    for warning in warnings:
        context.log.warning(warning)

    metadata = {
        "mails_sent": result.sent,
        "mails_pending": counts["pending"],
        "mails_failed": counts["failed"],
        "flags_alerted": len(alerted),
        "mails_queued": len(digests),
        "min_severity": settings.min_severity,
        "smtp": smtp.describe(),
        "outbox": MetadataValue.text(f"select * from {outbox.OUTBOX_TABLE} order by created_at desc"),
    }
    if result.errors:
        metadata["last_error"] = MetadataValue.text(result.errors[-1])
    if warnings:
        metadata["warning"] = MetadataValue.text("\n".join(warnings))
    return MaterializeResult(metadata=metadata)


def _domain(sender: str) -> str:
    domain = sender.rpartition("@")[2].strip(" >")
    return domain or "fingertip"
