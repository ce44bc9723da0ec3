//! `/cabinet`: the caller's bodies (as a member, an assistant or the secretariat), their notices,
//! the forms waiting for their answer, and their passkeys.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use platform::error::AppResult;
use platform::i18n::t;
use platform::identity::access::Permission;
use platform::web::admin::render;
use platform::web::{AppState, Auth, Ctx};

use super::common::target_of;
use crate::model::kinds::FormStatus;
use crate::model::{iso, time_label, vn_day};
use crate::store::{bodies, forms, notices, passkeys};

/// Most notices shown.
const MAX_NOTICES: i64 = 30;

pub struct BodyRow {
    pub href: String,
    pub name: String,
    pub role: String,
}

pub struct NoticeRow {
    pub href: String,
    pub what: String,
    pub text: String,
    pub at: String,
    pub unread: bool,
}

pub struct FormRow {
    pub href: String,
    pub number: String,
    pub title: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "cabinet_home.html")]
struct Home {
    ctx: Ctx,
    seats: Vec<BodyRow>,
    managed: Vec<BodyRow>,
    to_answer: Vec<FormRow>,
    notices: Vec<NoticeRow>,
    passkeys: i64,
    two_factor: bool,
}

/// `GET /cabinet`.
pub async fn home(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let lang = auth.ctx.lang;
    let db = &state.db;
    let user = auth.principal.user_id().unwrap_or(0);
    let today = iso(vn_day(platform::db::now_ms()));
    let mine = bodies::of_user(db, user, &today).await?;
    let mut seats = Vec::new();
    let mut to_answer = Vec::new();
    for m in &mine {
        if let Some(b) = bodies::get(db, m.body_id).await? {
            seats.push(BodyRow {
                href: format!("/cabinet/bodies/{}", b.code),
                name: b.name(lang).to_owned(),
                role: m.role(lang).to_owned(),
            });
            for f in forms::of_body(db, b.id, 50).await? {
                if f.status == FormStatus::Issued {
                    to_answer.push(FormRow {
                        href: format!("/cabinet/forms/{}", f.id),
                        number: f.number.clone().unwrap_or_default(),
                        title: f.title.clone(),
                        deadline: f
                            .deadline
                            .as_deref()
                            .map(crate::model::day_label)
                            .unwrap_or_default(),
                    });
                }
            }
        }
    }
    for m in bodies::assisted_by(db, user, &today).await? {
        if let Some(b) = bodies::get(db, m.body_id).await? {
            seats.push(BodyRow {
                href: format!("/cabinet/bodies/{}", b.code),
                name: b.name(lang).to_owned(),
                role: format!("{} {}", t(lang, "cabinet.assistant_of"), m.name),
            });
        }
    }
    // Bodies whose secretariat (or reader) the caller is: one per agency in their scope.
    let mut managed = Vec::new();
    if auth.principal.can_somewhere(Permission::ViewData) {
        for b in bodies::all(db).await? {
            let target = target_of(&state, &b).await?;
            if auth.principal.allowed(Permission::SubmitData, &target)
                || auth.principal.allowed(Permission::ViewData, &target)
            {
                if managed.len() >= 100 {
                    break;
                }
                let role = if auth.principal.allowed(Permission::SubmitData, &target) {
                    t(lang, "cabinet.secretariat")
                } else {
                    t(lang, "cabinet.reader")
                };
                managed.push(BodyRow {
                    href: format!("/cabinet/bodies/{}", b.code),
                    name: b.name(lang).to_owned(),
                    role,
                });
            }
        }
    }
    let notices = notices::of_user(db, user, MAX_NOTICES)
        .await?
        .into_iter()
        .map(|n| NoticeRow {
            href: n.href,
            what: t(lang, &format!("cab_notice.{}", n.kind)),
            text: n.text,
            at: time_label(n.created_at),
            unread: !n.read,
        })
        .collect();
    let passkeys = passkeys::count_of_user(db, user).await?;
    render(Home {
        two_factor: auth.principal.two_factor_done(),
        ctx: auth.ctx,
        seats,
        managed,
        to_answer,
        notices,
        passkeys,
    })
}
