//! API tokens: an official's own tokens, each bound to one of their grants, shown once.

use super::*;

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    grant: String,
    expires: String,
    last_used: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<TokenRow>,
    created: Option<String>,
    form_errors: Vec<FormError>,
    scope_form: ScopeForm,
}

async fn tokens_page_with(
    state: &AppState,
    auth: Auth,
    created: Option<String>,
    errors: Vec<FormError>,
    typed: TypedScope,
    status: StatusCode,
) -> AppResult<Response> {
    require_somewhere(&auth, Permission::ManageTokens)?;
    let now = crate::db::now_ms();
    let mut rows = Vec::new();
    for t in tokens::list(&state.db).await? {
        let Some(scope) = t.scope() else { continue };
        if !manage::may_manage_token(state.directory.as_ref(), &auth.principal.grants, &t).await? {
            continue;
        }
        let role = Role::parse(&t.role).unwrap_or(Role::Viewer);
        rows.push(TokenRow {
            id: t.id,
            live: t.is_live(now),
            grant: grant_label(state, auth.ctx.lang, role, scope).await?,
            name: t.name,
            prefix: t.token_prefix,
            expires: fmt_ms(t.expires_at),
            last_used: t.last_used_at.map(fmt_ms).unwrap_or_default(),
        });
    }
    let roles = role_options(&auth.ctx, &auth)
        .into_iter()
        .filter(|(r, _)| *r != "system_admin")
        .collect();
    let scope_form = scope_form(
        state,
        &auth,
        Permission::ManageTokens,
        roles,
        &typed,
        &errors,
        "",
    )
    .await?;
    let mut res = render(TokensPage {
        ctx: auth.ctx,
        tokens: rows,
        created,
        form_errors: errors,
        scope_form,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

pub(super) async fn tokens_page(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    tokens_page_with(
        &state,
        auth,
        None,
        Vec::new(),
        TypedScope::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    name: String,
    role: String,
    scope_kind: String,
    scope_code: Option<String>,
    days: i64,
}

pub(super) async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> AppResult<Response> {
    require_somewhere(&auth, Permission::ManageTokens)?;
    let typed = TypedScope {
        role: form.role.clone(),
        kind: form.scope_kind.clone(),
        code: form.scope_code.clone().unwrap_or_default(),
    };
    let result: AppResult<String> = async {
        let (role, scope) = chosen_grant(&state, &auth, Permission::ManageTokens, &typed).await?;
        let (_, secret) = manage::create_token(
            &state.db,
            state.directory.as_ref(),
            &auth.principal.admin_caller(auth.actor()),
            &form.name,
            role,
            scope,
            form.days,
        )
        .await?;
        Ok(secret)
    }
    .await;
    match result {
        Ok(secret) => {
            tokens_page_with(
                &state,
                auth,
                Some(secret),
                Vec::new(),
                TypedScope::default(),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            let errors =
                form_errors(&state, &auth, Permission::ManageTokens, &typed, &e, "").await?;
            tokens_page_with(&state, auth, None, errors, typed, e.status).await
        }
    }
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    manage::revoke_token(
        &state.db,
        state.directory.as_ref(),
        &auth.principal.admin_caller(auth.actor()),
        id,
    )
    .await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}
