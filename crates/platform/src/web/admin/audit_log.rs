//! The audit log page: entries filtered by actor, object and day, newest first, each object named
//! by its capability.

use super::*;

#[derive(Deserialize, Default)]
pub(super) struct AuditQuery {
    actor: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    ip: String,
    action: String,
    /// The object as people know it ("Báo cáo BC-KTXH-THANG · Nghệ An (40) · Tháng 12/2026").
    object: String,
    /// The recorded type and id (what the filter takes), for auditors.
    raw_object: String,
    changes: Vec<super::super::audit_view::ChangeRow>,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    q_actor: String,
    q_object_type: String,
    q_object_id: String,
    q_from: String,
    q_to: String,
    rows: Vec<AuditRow>,
    next_before: Option<i64>,
    errors: Vec<String>,
}

/// `YYYY-MM-DD` in Vietnam time → Unix ms of that day's start (or end).
fn day_bound(s: &str, end: bool) -> Option<i64> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), &f).ok()?;
    let t = if end {
        d.with_hms_milli(23, 59, 59, 999).ok()?
    } else {
        d.midnight()
    };
    let t = t.assume_offset(time::macros::offset!(+7));
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The audit log, newest first: each entry's object named as people know it (the capabilities'
/// [`audit::Names`], added to the router by the binary) and its change as field, before, after;
/// the recorded JSON below each for auditors.
pub(super) async fn audit_page(
    State(state): State<AppState>,
    auth: Auth,
    names: Option<axum::Extension<std::sync::Arc<audit::Names>>>,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    auth.require(Permission::ViewAudit, &Target::national())?;
    require_somewhere(&auth, Permission::ViewAudit)?;
    let mut errors = Vec::new();
    let mut bound = |v: &Option<String>, end: bool, field: &str| -> Option<i64> {
        let s = v.as_deref().filter(|s| !s.trim().is_empty())?;
        let b = day_bound(s, end);
        if b.is_none() {
            errors.push(
                Problem::new("date_invalid")
                    .field(field)
                    .arg("value", s)
                    .detail(auth.ctx.lang),
            );
        }
        b
    };
    let from_ms = bound(&q.from, false, "from");
    let to_ms = bound(&q.to, true, "to");
    const PAGE: i64 = 50;
    let entries = audit::search(
        &state.db,
        &audit::Filter {
            actor: q.actor.clone(),
            object_type: q.object_type.clone(),
            object_id: q.object_id.clone(),
            from_ms,
            to_ms,
            before_seq: q.before,
        },
        PAGE,
    )
    .await?;
    let next_before = (entries.len() as i64 == PAGE)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let names = names.map(|n| n.0).unwrap_or_default();
    let lang = auth.ctx.lang;
    let mut objects =
        super::super::audit_view::object_names(&state.db, &names, &entries, lang).await?;
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: fmt_ms(e.at),
            actor: e.actor_name,
            ip: e.ip.unwrap_or_default(),
            action: super::super::audit_view::action_label(&e.action, lang),
            object: objects.remove(&e.seq).unwrap_or_default(),
            raw_object: format!("{} {} · {}", e.object_type, e.object_id, e.action),
            changes: super::super::audit_view::change_rows(
                e.before_json.as_deref(),
                e.after_json.as_deref(),
                &names,
                lang,
            ),
            before: e.before_json.unwrap_or_default(),
            after: e.after_json.unwrap_or_default(),
        })
        .collect();
    render(AuditPage {
        ctx: auth.ctx,
        q_actor: q.actor.unwrap_or_default(),
        q_object_type: q.object_type.unwrap_or_default(),
        q_object_id: q.object_id.unwrap_or_default(),
        q_from: q.from.unwrap_or_default(),
        q_to: q.to.unwrap_or_default(),
        rows,
        next_before,
        errors,
    })
}
