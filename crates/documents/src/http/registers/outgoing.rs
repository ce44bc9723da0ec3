//! The outgoing register's pages: the list with its search and the draft form, one document
//! with its tracking, numbering and sending.

use super::*;

/// One row of the outgoing register as a page shows it.
struct OutgoingView {
    id: i64,
    code: String,
    type_label: String,
    subject: String,
    recipients: String,
    urgency: String,
    urgent: bool,
    state: String,
    state_key: String,
    date: String,
    signer: String,
    summary: String,
    due_date: String,
    draft: bool,
    revoke_reason: String,
}

fn outgoing_view(ctx: &Ctx, o: &store::Outgoing) -> OutgoingView {
    OutgoingView {
        id: o.id,
        code: match (o.number, &o.notation) {
            (Some(n), Some(t)) => {
                crate::model::register::code_display(u32::try_from(n).unwrap_or(0), t)
            }
            _ => String::new(),
        },
        type_label: type_label(ctx, o.doc_type),
        subject: o.subject.clone(),
        recipients: o.recipient_codes().join(", "),
        urgency: urgency_label(ctx, o.urgency),
        urgent: o.urgency > 0,
        state: ctx.t(&format!("doc_registers.state_{}", o.state)),
        state_key: o.state.clone(),
        date: o.promulgation_date.clone().unwrap_or_default(),
        signer: format!("{} — {}", o.signer_name, o.signer_position),
        summary: o.summary.clone(),
        due_date: o.due_date.clone().unwrap_or_default(),
        draft: o.state == OutgoingState::Draft.as_str(),
        revoke_reason: o.revoke_reason.clone().unwrap_or_default(),
    }
}

#[derive(askama::Template)]
#[template(path = "documents_outgoing.html")]
struct OutgoingPage {
    ctx: Ctx,
    agency: String,
    rows: Vec<OutgoingView>,
    more: bool,
    search: SearchForm,
    search_fields: Vec<SearchField>,
    next_page: String,
    typed: DraftForm,
    types: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    may_draft: bool,
    form_errors: Vec<FormError>,
    done: String,
    /// The office has no abbreviation yet: `Some(whether this reader may set it)`.
    office: Option<bool>,
}

impl OutgoingPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

#[allow(clippy::too_many_arguments)]
async fn outgoing_list(
    state: &AppState,
    auth: &Auth,
    d: &Desk,
    search: SearchForm,
    typed: DraftForm,
    mut errors: Vec<FormError>,
    done: String,
    status: StatusCode,
) -> AppResult<Response> {
    let ctx = auth.ctx.clone();
    // Without the office's abbreviation nothing can be numbered: say so, and where to set it.
    let office = if store::office(&state.db, &d.agency.short()).await?.is_some() {
        None
    } else {
        Some(super::super::office::may_set(state, auth, &d.agency).await)
    };
    let (rows, more) = match engine::search_outgoing(&state.db, &d.agency, &search).await {
        Ok(r) => r,
        Err(e) => {
            let (_, mut es) = problems_of(e, ctx.lang)?;
            for e in &mut es {
                e.field = e.field.take().map(|f| format!("q-{f}"));
            }
            errors.extend(es);
            (Vec::new(), false)
        }
    };
    let status = if errors.is_empty() {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY.max(status)
    };
    let mut res = render(OutgoingPage {
        agency: d.agency.to_string(),
        rows: rows.iter().map(|o| outgoing_view(&ctx, o)).collect(),
        next_page: next_page_link("/documents/outgoing", &search, more),
        more,
        search_fields: search_fields(&ctx, &search, "doc_registers.field_recipient"),
        search,
        typed,
        types: types(&ctx),
        urgencies: urgencies(&ctx),
        may_draft: d.clerk,
        form_errors: errors,
        done,
        office,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/documents/outgoing`: the agency's outgoing register, its search and the draft form.
pub(super) async fn outgoing_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListParams>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    outgoing_list(
        &state,
        &auth,
        &d,
        q.search,
        DraftForm::default(),
        Vec::new(),
        q.done,
        StatusCode::OK,
    )
    .await
}

/// Record a draft (clerks). Every problem beside its field, what was typed kept, nothing
/// written.
pub(super) async fn create_draft(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(form): CsrfForm<DraftForm>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    match engine::draft(&state.db, &d.agency, &form, &auth.actor(), today_vn()).await {
        Ok(id) => {
            Ok(Redirect::to(&format!("/documents/outgoing/{id}?done=drafted")).into_response())
        }
        Err(e) => {
            let (status, errors) = problems_of(e, auth.ctx.lang)?;
            outgoing_list(
                &state,
                &auth,
                &d,
                SearchForm::default(),
                form,
                errors,
                String::new(),
                status,
            )
            .await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "documents_outgoing_one.html")]
struct OutgoingOne {
    ctx: Ctx,
    o: OutgoingView,
    files: Vec<(String, String, i64)>,
    may_number: bool,
    may_upload: bool,
    /// Numbered and not queued yet: the clerk may send it through the axis.
    may_send: bool,
    /// Sent: the clerk may revoke it or ask its recipients for it back.
    may_withdraw: bool,
    /// The last request to take it back: (when, why).
    take_back: Option<(String, String)>,
    /// The document this one replaces: (id, number and notation, why).
    replaces: Option<(i64, String, String)>,
    /// The document that replaces this one: (id, number and notation or "draft").
    replaced_by: Option<(i64, String)>,
    typed_reason: String,
    /// The update form as typed (its subject and summary start as the document's).
    typed_update: crate::model::register::UpdateForm,
    /// The package's way to the axis: (state, attempts, last error).
    delivery: Option<(String, i64, String)>,
    /// What each recipient answered: (time, recipient, status, staff, description).
    timeline: Vec<(String, String, String, String, String)>,
    form_errors: Vec<FormError>,
    done: String,
}

impl OutgoingOne {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn outgoing_one_with(
    state: &AppState,
    auth: &Auth,
    d: &Desk,
    id: i64,
    errors: Vec<FormError>,
    done: String,
    status: StatusCode,
    typed_reason: String,
) -> AppResult<Response> {
    outgoing_one_typed(state, auth, d, id, errors, done, status, typed_reason, None).await
}

#[allow(clippy::too_many_arguments)]
async fn outgoing_one_typed(
    state: &AppState,
    auth: &Auth,
    d: &Desk,
    id: i64,
    errors: Vec<FormError>,
    done: String,
    status: StatusCode,
    typed_reason: String,
    typed_update: Option<crate::model::register::UpdateForm>,
) -> AppResult<Response> {
    let o = store::outgoing(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let files = store::files(&state.db, store::Register::Outgoing, id)
        .await?
        .into_iter()
        .map(|f| (f.name, f.content_type, f.size))
        .collect();
    let ctx = auth.ctx.clone();
    let code = d.agency.short();
    let queued = crate::store::outbox::for_outgoing(&state.db, &code, id).await?;
    let delivery = queued.first().map(|q| {
        (
            ctx.t(&format!("doc_endpoint.delivery_{}", q.state)),
            q.attempts,
            q.last_error.clone().unwrap_or_default(),
        )
    });
    let timeline = crate::store::outbox::timeline(&state.db, &code, id)
        .await?
        .into_iter()
        .map(|t| {
            (
                fmt_ms(t.at),
                t.recipient,
                status_label(&ctx, &t.status),
                t.staff.unwrap_or_default(),
                t.description.unwrap_or_default(),
            )
        })
        .collect();
    let mut res = render(OutgoingOne {
        may_send: d.clerk && o.state == OutgoingState::Numbered.as_str() && queued.is_empty(),
        may_withdraw: d.clerk && o.state == OutgoingState::Sent.as_str(),
        replaces: match o.replaces_id {
            Some(old) => store::outgoing(&state.db, &code, old).await?.map(|x| {
                (
                    x.id,
                    outgoing_view(&ctx, &x).code,
                    o.replace_reason.clone().unwrap_or_default(),
                )
            }),
            None => None,
        },
        replaced_by: store::replacement_of(&state.db, &code, id).await?.map(|x| {
            let c = outgoing_view(&ctx, &x).code;
            (
                x.id,
                if c.is_empty() {
                    ctx.t("doc_registers.no_number")
                } else {
                    c
                },
            )
        }),
        take_back: o
            .take_back_requested_at
            .map(|at| (fmt_ms(at), o.take_back_reason.clone().unwrap_or_default())),
        typed_reason,
        typed_update: typed_update.unwrap_or_else(|| crate::model::register::UpdateForm {
            subject: o.subject.clone(),
            summary: o.summary.clone(),
            reason: String::new(),
        }),
        delivery,
        timeline,
        may_number: d.clerk && o.state == OutgoingState::Draft.as_str(),
        may_upload: d.clerk,
        o: outgoing_view(&ctx, &o),
        files,
        form_errors: errors,
        done,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/documents/outgoing/{id}`: one outgoing document (404 outside the caller's agency).
pub(super) async fn outgoing_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    outgoing_one_with(
        &state,
        &auth,
        &d,
        id,
        Vec::new(),
        q.done,
        StatusCode::OK,
        String::new(),
    )
    .await
}

/// Give a draft its number (clerks).
pub(super) async fn number(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    match engine::number(&state.db, &d.agency, id, &auth.actor(), today_vn()).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/documents/outgoing/{id}?done=numbered")).into_response())
        }
        Err(e) => {
            let (status, errors) = problems_of(e, auth.ctx.lang)?;
            outgoing_one_with(
                &state,
                &auth,
                &d,
                id,
                errors,
                String::new(),
                status,
                String::new(),
            )
            .await
        }
    }
}

/// Send a numbered document through the axis (clerks): its package is written and queued; the
/// job `documents.deliver` takes it to the axis (engine::endpoint).
pub(super) async fn send(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    use crate::engine::endpoint::{self, EndpointError};
    let d = desk(&state, &auth).await?;
    store::outgoing(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    let files = file_store(&state);
    match endpoint::send(&state.db, &files, &d.agency, id, &auth.actor()).await {
        Ok(_) => Ok(Redirect::to(&format!("/documents/outgoing/{id}?done=queued")).into_response()),
        Err(EndpointError::NotFound) => Err(AppError::not_found()),
        Err(EndpointError::Invalid(p)) => {
            let errors = form_errors(&p, auth.ctx.lang);
            outgoing_one_with(
                &state,
                &auth,
                &d,
                id,
                errors,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
            )
            .await
        }
        Err(EndpointError::Db(e)) => Err(AppError::from(e)),
        Err(e) => Err(AppError::internal(e.to_string())),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// Revoke a sent document through the axis (clerks, with a reason): the register marks it
/// revoked and the revocation goes to every recipient, which withdraws it and answers 15.
pub(super) async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    withdraw(&state, &auth, id, form, Withdraw::Revoke).await
}

/// Ask the recipients of a sent document to give it back (clerks, with a reason): status 13;
/// each answers 15 or 16 on the timeline.
pub(super) async fn take_back(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    withdraw(&state, &auth, id, form, Withdraw::TakeBack).await
}

#[derive(Clone, Copy)]
enum Withdraw {
    Revoke,
    TakeBack,
    Replace,
}

/// Replace a sent document by a new one (clerks, with a reason): a draft copying it is made,
/// to number, complete and send; its package names the old one, which each recipient withdraws.
pub(super) async fn replace(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    withdraw(&state, &auth, id, form, Withdraw::Replace).await
}

/// The shared path of revoking and asking back: the entry must be the caller's agency's, the
/// caller a clerk; a bad reason is shown beside the field with the text kept.
async fn withdraw(
    state: &AppState,
    auth: &Auth,
    id: i64,
    form: ReasonForm,
    how: Withdraw,
) -> AppResult<Response> {
    use crate::engine::endpoint::{self, EndpointError};
    let d = desk(state, auth).await?;
    store::outgoing(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    let actor = auth.actor();
    if let Withdraw::Replace = how {
        return match engine::draft_replacement(&state.db, &d.agency, id, &form.reason, &actor).await
        {
            Ok(new) => Ok(
                Redirect::to(&format!("/documents/outgoing/{new}?done=replacement"))
                    .into_response(),
            ),
            Err(e) => {
                let (status, errors) = problems_of(e, auth.ctx.lang)?;
                outgoing_one_with(
                    state,
                    auth,
                    &d,
                    id,
                    errors,
                    String::new(),
                    status,
                    form.reason,
                )
                .await
            }
        };
    }
    let (result, done) = match how {
        Withdraw::Revoke => (
            endpoint::revoke(
                &state.db,
                &file_store(state),
                &d.agency,
                id,
                &form.reason,
                &actor,
            )
            .await,
            "revoked",
        ),
        Withdraw::TakeBack => (
            endpoint::request_take_back(&state.db, &d.agency, id, &form.reason, &actor).await,
            "take_back",
        ),
        Withdraw::Replace => unreachable!("answered above"),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/documents/outgoing/{id}?done={done}")).into_response()),
        Err(EndpointError::NotFound) => Err(AppError::not_found()),
        Err(EndpointError::Invalid(p)) => {
            let errors = form_errors(&p, auth.ctx.lang);
            outgoing_one_with(
                state,
                auth,
                &d,
                id,
                errors,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
                form.reason,
            )
            .await
        }
        Err(EndpointError::Db(e)) => Err(AppError::from(e)),
        Err(e) => Err(AppError::internal(e.to_string())),
    }
}

/// Update a sent document (clerks): its new subject and summary go, with its attachments and the
/// reason, to every recipient (business type 2), which takes them and answers 15.
pub(super) async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<crate::model::register::UpdateForm>,
) -> AppResult<Response> {
    use crate::engine::endpoint::{self, EndpointError};
    let d = desk(&state, &auth).await?;
    store::outgoing(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    let files = file_store(&state);
    match endpoint::update(&state.db, &files, &d.agency, id, &form, &auth.actor()).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/documents/outgoing/{id}?done=updated")).into_response())
        }
        Err(EndpointError::NotFound) => Err(AppError::not_found()),
        Err(EndpointError::Invalid(p)) => {
            let errors = form_errors(&p, auth.ctx.lang);
            outgoing_one_typed(
                &state,
                &auth,
                &d,
                id,
                errors,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
                Some(form),
            )
            .await
        }
        Err(EndpointError::Db(e)) => Err(AppError::from(e)),
        Err(e) => Err(AppError::internal(e.to_string())),
    }
}
