//! The incoming register's pages: the list (urgent first, overdue marked), one document with
//! its history and the caller's actions.

use super::*;

/// One row of the incoming register as a page shows it.
struct IncomingView {
    id: i64,
    code: String,
    type_name: String,
    subject: String,
    sender: String,
    date: String,
    urgency: String,
    urgent: bool,
    overdue: bool,
    status: String,
    status_code: String,
    due_date: String,
    incoming_number: String,
    assignee: String,
    received: String,
    /// Why the entry is withdrawn (revoked by its sender, or given back), if it is.
    withdrawn: Option<(String, String)>,
    /// The sender's request to take it back, waiting for an answer: (when, why).
    take_back: Option<(String, String)>,
    /// An update the sender sent, waiting for an answer: (when, new subject, new due date, why).
    update: Option<(String, String, String, String)>,
}

fn incoming_view(ctx: &Ctx, e: &store::Incoming) -> IncomingView {
    let status = Status::parse(&e.status).unwrap_or(Status::Arrived);
    let due = e.due_date.as_deref().and_then(parse_iso_date);
    IncomingView {
        id: e.id,
        code: format!("{}/{}", e.number, e.notation),
        type_name: e.type_name.clone(),
        subject: e.subject.clone(),
        sender: format!("{} ({})", e.sender_name, e.sender_code),
        date: e.promulgation_date.clone(),
        urgency: urgency_label(ctx, e.urgency),
        urgent: e.urgency > 0,
        overdue: is_overdue(due, status, today_vn()),
        status: status_label(ctx, &e.status),
        status_code: e.status.clone(),
        due_date: e.due_date.clone().unwrap_or_default(),
        incoming_number: e
            .incoming_number
            .map(|n| format!("{n:02}"))
            .unwrap_or_default(),
        assignee: e.assignee.clone().unwrap_or_default(),
        received: fmt_ms(e.received_at),
        withdrawn: e.withdrawn.as_ref().map(|w| {
            (
                ctx.t(&format!("doc_registers.withdrawn_{w}")),
                e.withdraw_reason.clone().unwrap_or_default(),
            )
        }),
        update: e
            .update_received_at
            .filter(|_| e.withdrawn.is_none())
            .zip(e.update_subject.clone())
            .map(|(at, subject)| {
                (
                    fmt_ms(at),
                    subject,
                    e.update_due_date.clone().unwrap_or_default(),
                    e.update_reason.clone().unwrap_or_default(),
                )
            }),
        take_back: e
            .take_back_requested_at
            .filter(|_| e.withdrawn.is_none())
            .map(|at| (fmt_ms(at), e.take_back_reason.clone().unwrap_or_default())),
    }
}

#[derive(askama::Template)]
#[template(path = "documents_incoming.html")]
struct IncomingPage {
    ctx: Ctx,
    agency: String,
    rows: Vec<IncomingView>,
    more: bool,
    next_page: String,
    search: SearchForm,
    search_fields: Vec<SearchField>,
    types: Vec<(String, String)>,
    form_errors: Vec<FormError>,
}

impl IncomingPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

/// `/documents/incoming`: the agency's incoming register, urgent first, overdue marked.
pub(super) async fn incoming_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListParams>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    let ctx = auth.ctx.clone();
    let (rows, more, errors) = match engine::search_incoming(&state.db, &d.agency, &q.search).await
    {
        Ok((r, m)) => (r, m, Vec::new()),
        Err(e) => {
            let (_, mut es) = problems_of(e, ctx.lang)?;
            for e in &mut es {
                e.field = e.field.take().map(|f| format!("q-{f}"));
            }
            (Vec::new(), false, es)
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(IncomingPage {
        agency: d.agency.to_string(),
        rows: rows.iter().map(|e| incoming_view(&ctx, e)).collect(),
        next_page: next_page_link("/documents/incoming", &q.search, more),
        more,
        search_fields: search_fields(&ctx, &q.search, "doc_registers.field_sender"),
        search: q.search,
        types: types(&ctx),
        form_errors: errors,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(askama::Template)]
#[template(path = "documents_incoming_one.html")]
struct IncomingOne {
    ctx: Ctx,
    e: IncomingView,
    history: Vec<(String, String, String, String)>,
    files: Vec<(String, String, i64)>,
    may_upload: bool,
    actions: Vec<&'static str>,
    typed: ActForm,
    form_errors: Vec<FormError>,
    done: String,
}

impl IncomingOne {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

/// Which actions the caller may take on an entry at `status`: clerks register or reject and
/// leaders assign; either marks handling and closes.
fn actions_for(d: &Desk, e: &store::Incoming) -> Vec<&'static str> {
    use crate::model::register::incoming_next;
    let mut v = Vec::new();
    if e.withdrawn.is_some() {
        return v;
    }
    let status = Status::parse(&e.status).unwrap_or(Status::Arrived);
    for (name, target, allowed) in [
        ("register", Status::Accepted, d.clerk),
        ("reject", Status::Rejected, d.clerk),
        ("assign", Status::Assigned, d.leader),
        ("handle", Status::InProgress, d.clerk || d.leader),
        ("close", Status::Done, d.clerk || d.leader),
    ] {
        if allowed && incoming_next(status, target).is_ok() {
            v.push(name);
        }
    }
    // The sender asked for it back: a clerk gives it back (15) or keeps it (16).
    if d.clerk && e.take_back_requested_at.is_some() {
        v.extend(["give_back", "keep"]);
    }
    // The sender sent an update: a clerk takes it (15) or refuses it (16).
    if d.clerk && e.update_subject.is_some() {
        v.extend(["accept_update", "refuse_update"]);
    }
    v
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn incoming_one_with(
    state: &AppState,
    auth: &Auth,
    d: &Desk,
    id: i64,
    typed: ActForm,
    errors: Vec<FormError>,
    done: String,
    status: StatusCode,
) -> AppResult<Response> {
    let e = store::incoming(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let ctx = auth.ctx.clone();
    let history = store::history(&state.db, id)
        .await?
        .into_iter()
        .map(|h| {
            (
                fmt_ms(h.at),
                status_label(&ctx, &h.status),
                h.actor,
                h.note.unwrap_or_default(),
            )
        })
        .collect();
    let files = store::files(&state.db, store::Register::Incoming, id)
        .await?
        .into_iter()
        .map(|f| (f.name, f.content_type, f.size))
        .collect();
    let mut res = render(IncomingOne {
        actions: actions_for(d, &e),
        may_upload: d.clerk,
        e: incoming_view(&ctx, &e),
        history,
        files,
        typed,
        form_errors: errors,
        done,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/documents/incoming/{id}`: one incoming document, its statuses and the caller's actions.
pub(super) async fn incoming_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    incoming_one_with(
        &state,
        &auth,
        &d,
        id,
        ActForm::default(),
        Vec::new(),
        q.done,
        StatusCode::OK,
    )
    .await
}

/// An action's form.
#[derive(Deserialize, Default, Clone)]
pub struct ActForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    handling_days: String,
}

/// Register, reject, assign, handle or close. The status code the change produces is what the
/// axis side sends back to the sender; an impossible move or a bad field changes nothing.
pub(super) async fn act(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(form): CsrfForm<ActForm>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    let lang = auth.ctx.lang;
    let (a, allowed) = match action.as_str() {
        "register" => (IncomingAction::Register, d.clerk),
        "reject" => (
            IncomingAction::Reject {
                reason: form.reason.clone(),
            },
            d.clerk,
        ),
        "assign" => (
            IncomingAction::Assign {
                to: form.assignee.clone(),
            },
            d.leader,
        ),
        "handle" => (IncomingAction::Handle, d.clerk || d.leader),
        "close" => (IncomingAction::Close, d.clerk || d.leader),
        "give_back" => (IncomingAction::GiveBack, d.clerk),
        "accept_update" => (IncomingAction::AcceptUpdate, d.clerk),
        "refuse_update" => (
            IncomingAction::RefuseUpdate {
                reason: form.reason.clone(),
            },
            d.clerk,
        ),
        "keep" => (
            IncomingAction::KeepIt {
                reason: form.reason.clone(),
            },
            d.clerk,
        ),
        _ => return Err(AppError::not_found()),
    };
    // The entry must be the caller's agency's before anything else is said about it.
    store::incoming(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !allowed {
        return Err(AppError::forbidden());
    }
    let days = match (form.handling_days.trim(), &a) {
        ("", _) | (_, IncomingAction::Register) => None,
        (s, IncomingAction::Assign { .. }) => match s.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = form_errors(
                    &[Problem::new(field::HANDLING_DAYS, "handling_days_invalid")
                        .arg("max", "365")],
                    lang,
                );
                return incoming_one_with(
                    &state,
                    &auth,
                    &d,
                    id,
                    form,
                    errors,
                    String::new(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
        _ => None,
    };
    let cal = reporting::query::holiday_calendar(&state.db).await?;
    match engine::act(
        &state.db,
        &d.agency,
        id,
        &a,
        days,
        &cal,
        &auth.actor(),
        today_vn(),
    )
    .await
    {
        Ok(done) => Ok(Redirect::to(&format!(
            "/documents/incoming/{id}?done={}",
            done.status.code()
        ))
        .into_response()),
        Err(e) => {
            let (status, errors) = problems_of(e, lang)?;
            incoming_one_with(&state, &auth, &d, id, form, errors, String::new(), status).await
        }
    }
}
