//! Administration pages: users and their grants (here), API tokens (`api_tokens.rs`), the audit log
//! (`audit_log.rs`). An agency administrator sees and manages only what lies within their own
//! scope.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::extract::{Path, Query};
use super::form::{FormError, error_at};
use super::{AppState, Auth, CsrfForm, Ctx};
use crate::audit;
use crate::error::{AppError, AppResult, Problem};
use crate::i18n::Lang;
use crate::identity::access::{self, Permission, Refusal, Role, Scope, Target};
use crate::identity::{self, NewUser, User, manage, tokens};

mod api_tokens;
mod audit_log;

use api_tokens::{create_token, revoke_token, tokens_page};
use audit_log::audit_page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page).post(create_user))
        .route("/admin/users/{id}", get(user_page))
        .route("/admin/users/{id}/grants", post(add_grant))
        .route("/admin/users/{id}/grants/{gid}/revoke", post(revoke_grant))
        .route("/admin/users/{id}/disable", post(disable_user))
        .route("/admin/users/{id}/enable", post(enable_user))
        .route("/admin/users/{id}/reset-password", post(reset_password))
        .route("/admin/tokens", get(tokens_page).post(create_token))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/audit", get(audit_page))
}

// The page kit moved to web/render.rs and web/format.rs; kept here so callers' imports hold.
pub use super::format::fmt_ms;
pub use super::render::{error_page, render};

/// "Người báo cáo — Nghệ An".
pub async fn grant_label(
    state: &AppState,
    lang: Lang,
    role: Role,
    scope: Scope,
) -> AppResult<String> {
    let scope_label = state.directory.scope_label(scope, lang).await?;
    Ok(format!(
        "{} — {}",
        crate::i18n::t(lang, &format!("role.{}", role.as_str())),
        scope_label
    ))
}

/// May the caller manage this user (every grant the user holds is one the caller could hand
/// out: within the caller's scope, at a rank not above the caller's)?
async fn may_manage_user(state: &AppState, auth: &Auth, user_id: i64) -> AppResult<bool> {
    Ok(manage::may_manage_user(
        &state.db,
        state.directory.as_ref(),
        &auth.principal.grants,
        user_id,
    )
    .await?
    .is_ok())
}

/// The administration pages are for those holding `p` somewhere, signed in with a session that
/// completed the second factor.
fn require_somewhere(auth: &Auth, p: Permission) -> AppResult<()> {
    if !auth.principal.can_somewhere(p) {
        return Err(AppError::forbidden());
    }
    auth.principal
        .admin_caller(auth.actor())
        .require_admin_session()
}

/// Resolve the scope fields of a form (kind + code) through the registry.
async fn form_scope(state: &AppState, kind: &str, code: &str) -> AppResult<(Scope, Target)> {
    let scope = if kind == "national" {
        Some(Scope::National)
    } else {
        state.directory.find_scope(kind, code.trim()).await?
    };
    let Some(scope) = scope else {
        return Err(AppError::invalid(
            Problem::new("scope_not_found")
                .field("scope_code")
                .arg("code", code.trim()),
        ));
    };
    let target = identity::scope_target(state.directory.as_ref(), scope)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                Problem::new("scope_not_found")
                    .field("scope_code")
                    .arg("code", code),
            )
        })?;
    Ok((scope, target))
}

struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    active: bool,
    totp: bool,
    grants: Vec<String>,
    created: String,
}

/// The roles the caller may hand out somewhere (none above their own).
fn role_options(ctx: &Ctx, auth: &Auth) -> Vec<(&'static str, String)> {
    let top = auth
        .principal
        .grants
        .iter()
        .filter(|g| matches!(g.role, Role::SystemAdmin | Role::AgencyAdmin))
        .map(|g| g.role.rank())
        .max()
        .unwrap_or(0);
    Role::ALL
        .into_iter()
        .filter(|r| r.rank() <= top)
        .map(|r| (r.as_str(), ctx.t(&format!("role.{}", r.as_str()))))
        .collect()
}

/// The role and scope fields of a form (scope_fields.html): only the choices the caller may
/// make, what was typed (kept when the form comes back with errors) and the errors beside each
/// field.
struct ScopeForm {
    roles: Vec<(&'static str, String)>,
    /// Scope kinds offered: national only to those who hold the permission nationally.
    kinds: Vec<(&'static str, String)>,
    /// Where the caller may grant: the example codes, or the caller's own scopes by name.
    hint: String,
    role: String,
    kind: String,
    code: String,
    role_error: Option<String>,
    kind_error: Option<String>,
    code_error: Option<String>,
}

/// What a form's role and scope fields held when it was sent.
#[derive(Default, Clone)]
struct TypedScope {
    role: String,
    kind: String,
    code: String,
}

/// Does the caller hold `permission` with a national scope?
fn national_for(auth: &Auth, permission: Permission) -> bool {
    access::allowed(&auth.principal.grants, permission, &Target::national())
}

/// The caller's scopes where it holds `permission`, by name, with the unit an agency stands
/// for: "Ủy ban nhân dân tỉnh Nghệ An — Nghệ An (40)".
async fn own_scopes(state: &AppState, auth: &Auth, permission: Permission) -> AppResult<String> {
    let mut names: Vec<String> = Vec::new();
    for g in &auth.principal.grants {
        if g.scope == Scope::National {
            continue;
        }
        let target = identity::scope_target(state.directory.as_ref(), g.scope)
            .await?
            .unwrap_or_default();
        if !access::allowed(std::slice::from_ref(g), permission, &target) {
            continue;
        }
        let mut name = state.directory.scope_label(g.scope, auth.ctx.lang).await?;
        if let (Scope::Agency(_), Some(u)) = (g.scope, g.scope_unit) {
            name = format!(
                "{name} — {}",
                state
                    .directory
                    .scope_label(Scope::Unit(u), auth.ctx.lang)
                    .await?
            );
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names.join("; "))
}

/// The role and scope fields as the caller may fill them, holding `typed` and `errors` (whose
/// fields carry `prefix`).
async fn scope_form(
    state: &AppState,
    auth: &Auth,
    permission: Permission,
    roles: Vec<(&'static str, String)>,
    typed: &TypedScope,
    errors: &[FormError],
    prefix: &str,
) -> AppResult<ScopeForm> {
    let ctx = &auth.ctx;
    let national = national_for(auth, permission);
    let mut kinds = vec![
        ("unit", ctx.t("scope.unit")),
        ("agency", ctx.t("scope.agency")),
    ];
    if national {
        kinds.push(("national", ctx.t("scope.national")));
    }
    let hint = if national {
        ctx.t("admin.scope_hint")
    } else {
        crate::i18n::t_args(
            ctx.lang,
            "pages.scope_hint_within",
            &[("within", own_scopes(state, auth, permission).await?)],
        )
    };
    // A kept choice the form does not offer falls back to the usual one.
    let role = if roles.iter().any(|(r, _)| *r == typed.role) {
        typed.role.clone()
    } else if roles.iter().any(|(r, _)| *r == "reporter") {
        "reporter".to_owned()
    } else {
        roles.first().map(|r| r.0.to_owned()).unwrap_or_default()
    };
    let kind = if kinds.iter().any(|(k, _)| *k == typed.kind) {
        typed.kind.clone()
    } else {
        kinds[0].0.to_owned()
    };
    let at = |f: &str| error_at(errors, &format!("{prefix}{f}")).map(str::to_owned);
    Ok(ScopeForm {
        roles,
        kinds,
        hint,
        role,
        kind,
        code: typed.code.clone(),
        role_error: at("role"),
        kind_error: at("scope_kind"),
        code_error: at("scope_code"),
    })
}

/// The role and scope a form asks for, checked against what the caller may hand out before
/// anything is done, so that a refused choice comes back on the form (422, on its field)
/// rather than as a bare 403 page: a role above the caller's own, a scope the caller's grants
/// with `permission` do not contain (national, another province, another ministry). The
/// domain functions check again.
async fn chosen_grant(
    state: &AppState,
    auth: &Auth,
    permission: Permission,
    typed: &TypedScope,
) -> AppResult<(Role, Scope)> {
    let role = Role::parse(&typed.role)
        .ok_or_else(|| AppError::invalid(Problem::new("role_invalid").field("role")))?;
    let (scope, target) = form_scope(state, &typed.kind, &typed.code).await?;
    match access::may_act_on(&auth.principal.grants, permission, role, &target) {
        Ok(()) => Ok((role, scope)),
        Err(Refusal::RoleAbove) => Err(AppError::invalid(
            Problem::new("role_above_own").field("role"),
        )),
        // A refusal on the field: the form names the scope and where the caller may grant.
        Err(Refusal::OutOfScope) => Err(AppError::invalid(Problem::new("forbidden").field(
            if scope == Scope::National {
                "scope_kind"
            } else {
                "scope_code"
            },
        ))),
    }
}

/// The problems of a refused form as the form shows them: a scope refused on its field names the
/// scope and where the caller may grant; a problem about the scope as a whole sits on its kind
/// field.
async fn form_errors(
    state: &AppState,
    auth: &Auth,
    permission: Permission,
    typed: &TypedScope,
    e: &AppError,
    prefix: &str,
) -> AppResult<Vec<FormError>> {
    let mut out = Vec::new();
    for p in crate::error::bounded(&e.problems) {
        let field = match p.field.as_deref() {
            Some("scope") => Some("scope_kind"),
            f => f,
        };
        let text = if p.code == "forbidden" && field.is_some() {
            let scope = match typed.kind.as_str() {
                "national" => auth.ctx.t("scope.national"),
                _ => typed.code.trim().to_owned(),
            };
            crate::i18n::t_args(
                auth.ctx.lang,
                "pages.scope_outside",
                &[
                    ("scope", scope),
                    ("within", own_scopes(state, auth, permission).await?),
                ],
            )
        } else {
            p.detail(auth.ctx.lang)
        };
        out.push(FormError {
            text,
            field: field.map(|f| format!("{prefix}{f}")),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserRow>,
    form_errors: Vec<FormError>,
    created: Option<(String, String)>,
    typed: TypedUser,
    scope_form: ScopeForm,
    username_error: Option<String>,
    display_name_error: Option<String>,
    email_error: Option<String>,
    password_error: Option<String>,
}

/// What the new-user form held when it was refused (never the password).
#[derive(Default)]
struct TypedUser {
    username: String,
    display_name: String,
    email: String,
}

async fn users_page_with(
    state: &AppState,
    auth: Auth,
    errors: Vec<FormError>,
    created: Option<(String, String)>,
    typed: (TypedUser, TypedScope),
    status: StatusCode,
) -> AppResult<Response> {
    require_somewhere(&auth, Permission::ManageUsers)?;
    let mut users = Vec::new();
    for u in identity::list_users(&state.db).await? {
        if !may_manage_user(state, &auth, u.id).await? {
            continue;
        }
        let mut grants = Vec::new();
        for g in identity::grants_of(&state.db, state.directory.as_ref(), u.id).await? {
            grants.push(grant_label(state, auth.ctx.lang, g.role, g.scope).await?);
        }
        users.push(UserRow {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            active: u.is_active,
            totp: u.totp_enabled,
            grants,
            created: fmt_ms(u.created_at),
        });
    }
    let roles = role_options(&auth.ctx, &auth);
    let scope_form = scope_form(
        state,
        &auth,
        Permission::ManageUsers,
        roles,
        &typed.1,
        &errors,
        "",
    )
    .await?;
    let at = |f: &str| error_at(&errors, f).map(str::to_owned);
    let mut res = render(UsersPage {
        ctx: auth.ctx,
        users,
        username_error: at("username"),
        display_name_error: at("display_name"),
        email_error: at("email"),
        password_error: at("password"),
        form_errors: errors,
        created,
        typed: typed.0,
        scope_form,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

async fn users_page(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    users_page_with(
        &state,
        auth,
        Vec::new(),
        None,
        Default::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
struct CreateUserForm {
    username: String,
    display_name: String,
    email: Option<String>,
    password: Option<String>,
    role: String,
    scope_kind: String,
    scope_code: Option<String>,
}

async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(form): CsrfForm<CreateUserForm>,
) -> AppResult<Response> {
    require_somewhere(&auth, Permission::ManageUsers)?;
    let typed = TypedScope {
        role: form.role.clone(),
        kind: form.scope_kind.clone(),
        code: form.scope_code.clone().unwrap_or_default(),
    };
    let result: AppResult<(String, String)> = async {
        let (role, scope) = chosen_grant(&state, &auth, Permission::ManageUsers, &typed).await?;
        let password = form
            .password
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(identity::password::generate);
        manage::create_user(
            &state.db,
            state.directory.as_ref(),
            &auth.principal.admin_caller(auth.actor()),
            NewUser {
                username: form.username.clone(),
                display_name: form.display_name.clone(),
                email: form.email.clone().filter(|e| !e.trim().is_empty()),
                password: password.clone(),
                locale: None,
                must_change_password: true,
                is_demo: false,
            },
            role,
            scope,
        )
        .await?;
        Ok((identity::normalize_username(&form.username), password))
    }
    .await;
    match result {
        Ok(created) => {
            users_page_with(
                &state,
                auth,
                Vec::new(),
                Some(created),
                Default::default(),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            // The form comes back as sent (the password aside), each error on its field.
            let errors =
                form_errors(&state, &auth, Permission::ManageUsers, &typed, &e, "").await?;
            let kept = TypedUser {
                username: form.username,
                display_name: form.display_name,
                email: form.email.unwrap_or_default(),
            };
            users_page_with(&state, auth, errors, None, (kept, typed), e.status).await
        }
    }
}

struct GrantRow {
    id: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    ctx: Ctx,
    user: User,
    grants: Vec<GrantRow>,
    scope_form: ScopeForm,
    new_password: Option<String>,
    form_errors: Vec<FormError>,
    history: Vec<audit::Entry>,
}

async fn user_page_with(
    state: &AppState,
    auth: Auth,
    id: i64,
    new_password: Option<String>,
    errors: Vec<FormError>,
    typed: TypedScope,
) -> AppResult<Response> {
    // Never for an account above the caller (this page also shows a temporary password).
    let user = manage::view_user(
        &state.db,
        state.directory.as_ref(),
        &auth.principal.admin_caller(auth.actor()),
        id,
    )
    .await?;
    let mut grants = Vec::new();
    for g in identity::grants_of(&state.db, state.directory.as_ref(), id).await? {
        grants.push(GrantRow {
            id: g.id,
            label: grant_label(state, auth.ctx.lang, g.role, g.scope).await?,
        });
    }
    let history = audit::search(
        &state.db,
        &audit::Filter {
            object_type: Some("user".into()),
            object_id: Some(id.to_string()),
            ..Default::default()
        },
        20,
    )
    .await?;
    let roles = role_options(&auth.ctx, &auth);
    let scope_form = scope_form(
        state,
        &auth,
        Permission::ManageUsers,
        roles,
        &typed,
        &errors,
        GRANT_PREFIX,
    )
    .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(UserPage {
        ctx: auth.ctx,
        user,
        grants,
        scope_form,
        new_password,
        form_errors: errors,
        history,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// The ids of the grant form's fields on the user page (`g-role`…).
const GRANT_PREFIX: &str = "g-";

async fn user_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    user_page_with(&state, auth, id, None, Vec::new(), TypedScope::default()).await
}

#[derive(Deserialize)]
struct GrantForm {
    role: String,
    scope_kind: String,
    scope_code: Option<String>,
}

async fn add_grant(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> AppResult<Response> {
    let caller = auth.principal.admin_caller(auth.actor());
    // An account the caller may not manage: refused as such (403), whatever the form says.
    manage::view_user(&state.db, state.directory.as_ref(), &caller, id).await?;
    let typed = TypedScope {
        role: form.role,
        kind: form.scope_kind,
        code: form.scope_code.unwrap_or_default(),
    };
    let result = async {
        let (role, scope) = chosen_grant(&state, &auth, Permission::ManageUsers, &typed).await?;
        manage::add_grant(
            &state.db,
            state.directory.as_ref(),
            &caller,
            id,
            role,
            scope,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}")).into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            let errors = form_errors(
                &state,
                &auth,
                Permission::ManageUsers,
                &typed,
                &e,
                GRANT_PREFIX,
            )
            .await?;
            user_page_with(&state, auth, id, None, errors, typed).await
        }
    }
}

async fn revoke_grant(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, gid)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    manage::revoke_grant(
        &state.db,
        state.directory.as_ref(),
        &auth.principal.admin_caller(auth.actor()),
        id,
        gid,
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

async fn disable_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    manage::set_active(
        &state.db,
        state.directory.as_ref(),
        &auth.principal.admin_caller(auth.actor()),
        id,
        false,
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

async fn enable_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    manage::set_active(
        &state.db,
        state.directory.as_ref(),
        &auth.principal.admin_caller(auth.actor()),
        id,
        true,
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

async fn reset_password(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    let password = manage::reset_password(
        &state.db,
        state.directory.as_ref(),
        &auth.principal.admin_caller(auth.actor()),
        id,
    )
    .await?;
    user_page_with(
        &state,
        auth,
        id,
        Some(password),
        Vec::new(),
        TypedScope::default(),
    )
    .await
}
