//! The daily brief (điểm tin hàng ngày): composed each morning by a job (and on demand) as a
//! draft; an editor adds news items and an opening paragraph, then publishes it; subscribers get
//! it by e-mail once. Every change is audited and announced on the `brief` live topic.

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError, now_ms};
use platform::error::Problem;

use crate::model::brief::{
    self, BriefContent, DEADLINE_HORIZON_DAYS, DeadlineNote, LateNote, MAX_MOVEMENTS, MAX_NEWS,
    MAX_RECEIVED, Movement, NewsInput, Received, TargetNote,
};
use crate::model::key::KEY_INDICATORS;
use crate::query::Overview;
use crate::store::briefs;

/// The live topic of briefs.
pub const TOPIC: &str = "brief";

#[derive(Debug, thiserror::Error)]
pub enum BriefError {
    /// The input is refused: each problem on its field.
    #[error("invalid input")]
    Invalid(Vec<Problem>),
    /// The brief is published: it no longer changes.
    #[error("the brief is published")]
    Published,
    #[error("no brief for that day")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("composing failed: {0}")]
    Query(String),
}

impl BriefError {
    pub fn code(&self) -> &'static str {
        match self {
            BriefError::Invalid(_) => "invalid",
            BriefError::Published => "brief_published",
            BriefError::NotFound => "not_found",
            BriefError::Db(_) | BriefError::Query(_) => "internal",
        }
    }
}

type Result<T> = std::result::Result<T, BriefError>;

/// The brief's sections from the overview (national figures, boards), the reports approved in
/// the last 24 hours (newest first; `received_total` of them in all) and the coming deadlines.
pub fn compose_sections(
    overview: &Overview,
    received: Vec<Received>,
    received_total: usize,
    deadlines: Vec<DeadlineNote>,
) -> BriefContent {
    let mut movements: Vec<Movement> = overview
        .figures
        .iter()
        .filter_map(|f| {
            Some(Movement {
                code: f.code.clone(),
                name_vi: f.name_vi.clone(),
                name_en: f.name_en.clone(),
                change_pct: f.change_pct?,
            })
        })
        .collect();
    movements.sort_by(|a, b| b.change_pct.abs().total_cmp(&a.change_pct.abs()));
    movements.truncate(MAX_MOVEMENTS);
    let targets = overview
        .figures
        .iter()
        .filter_map(|f| {
            Some(TargetNote {
                code: f.code.clone(),
                name_vi: f.name_vi.clone(),
                name_en: f.name_en.clone(),
                status: f.target_status?.as_str().to_owned(),
                target_pct: f.target_pct?,
            })
        })
        .collect();
    let late = overview
        .boards
        .iter()
        .filter(|b| b.overdue > 0 || b.late > 0)
        .map(|b| LateNote {
            template: b.template.clone(),
            name_vi: b.name_vi.clone(),
            name_en: b.name_en.clone(),
            period: b.period.clone(),
            deadline: b.deadline.clone(),
            overdue: b.overdue,
            late: b.late,
            expected: b.expected,
        })
        .collect();
    let shown = received.len().min(MAX_RECEIVED);
    BriefContent {
        period: overview.period.clone(),
        received: received.into_iter().take(MAX_RECEIVED).collect(),
        received_more: received_total.saturating_sub(shown),
        movements,
        targets,
        late,
        deadlines,
        sites: Vec::new(),
        sites_more: 0,
    }
}

/// The brief's "sites down" section: outages of the last 24 hours, still-down first, at most
/// [`brief::MAX_SITES_NAMED`] named and the rest counted.
pub fn site_notes(outages: Vec<crate::query::Outage>) -> (Vec<brief::SiteNote>, usize) {
    let total = outages.len();
    let notes: Vec<brief::SiteNote> = outages
        .into_iter()
        .take(brief::MAX_SITES_NAMED)
        .map(|o| brief::SiteNote {
            code: o.code,
            name: o.name,
            kind: o.kind.as_str().to_owned(),
            down_at: o.down_at,
            up_at: o.up_at,
            finding: o.finding,
        })
        .collect();
    let more = total - notes.len();
    (notes, more)
}

/// Today in Vietnam (UTC+7), the brief's day.
pub fn today() -> time::Date {
    registry::Day::today().0
}

/// The sections of the brief of `day`, read now: the overview with every key indicator (the brief
/// is for officials), reports approved in the last 24 hours, deadlines in the coming week.
pub async fn sections(db: &Db, day: time::Date, now: i64) -> Result<BriefContent> {
    let catalogue = reporting::query::catalogue(db).await?;
    let key: Vec<_> = KEY_INDICATORS
        .iter()
        .filter_map(|c| catalogue.iter().find(|i| i.code == *c && !i.is_retired()))
        .cloned()
        .collect();
    let overview = crate::query::overview(db, &catalogue, &key, day, now, false)
        .await
        .map_err(|e| BriefError::Query(e.to_string()))?;
    let since = now - 24 * 3600 * 1000;
    let recent = reporting::query::approved_since(db, since, brief::MAX_RECEIVED + 1).await?;
    let total = recent.len();
    let received = recent
        .into_iter()
        .map(|r| Received {
            template: r.template,
            unit_code: r.unit_code,
            unit_name: r.unit_name,
            period: r.period,
            decided_at: r.decided_at,
        })
        .collect();
    let cal = reporting::query::holiday_calendar(db).await?;
    let mut deadlines = Vec::new();
    for t in reporting::query::templates(db).await? {
        let due = t.latest_due(day);
        for p in [due, due.next()] {
            let d = t.deadline(&p, &cal);
            let ahead = (d - day).whole_days();
            if (0..=DEADLINE_HORIZON_DAYS).contains(&ahead) {
                deadlines.push(DeadlineNote {
                    template: t.code.clone(),
                    name_vi: t.name_vi.clone(),
                    name_en: t.name_en.clone(),
                    period: p.id(),
                    deadline: d.to_string(),
                });
            }
        }
    }
    deadlines.sort_by(|a, b| a.deadline.cmp(&b.deadline));
    let mut content = compose_sections(&overview, received, total, deadlines);
    (content.sites, content.sites_more) = site_notes(crate::query::outages(db, now).await?);
    Ok(content)
}

/// Compose the draft of `day` (a new one, or its sections again — the editor's lead and news
/// stay). A published brief does not change. Returns the brief's id.
pub async fn compose(db: &Db, actor: &Actor, day: time::Date) -> Result<i64> {
    let now = now_ms();
    let content = sections(db, day, now).await?;
    let json = serde_json::to_string(&content).map_err(|e| BriefError::Query(e.to_string()))?;
    let day_id = day.to_string();
    let mut tx = db.begin().await?;
    let id = match briefs::by_day_in(&mut tx, &day_id).await? {
        Some(b) if b.status == "published" => return Err(BriefError::Published),
        Some(b) => {
            briefs::recompose(&mut tx, b.id, &json, now).await?;
            b.id
        }
        None => briefs::insert_draft(&mut tx, &day_id, &json, now).await?,
    };
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "brief.compose",
            object_type: "brief",
            object_id: day_id.clone(),
            before: None,
            after: Some(serde_json::json!({"received": content.received.len(), "movements": content.movements.len()})),
        },
    )
    .await?;
    platform::live::publish(&mut tx, TOPIC, &serde_json::json!({"day": day_id})).await?;
    tx.commit().await?;
    Ok(id)
}

/// The morning job: today's draft composed unless a brief for today exists already (an editor's
/// draft is not disturbed). True when composed.
pub async fn compose_if_missing(db: &Db, day: time::Date) -> Result<bool> {
    if briefs::by_day(db, &day.to_string()).await?.is_some() {
        return Ok(false);
    }
    match compose(db, &Actor::system("operations.brief"), day).await {
        Ok(_) => Ok(true),
        // Another node's job composed it first.
        Err(BriefError::Db(e)) if briefs::by_day(db, &day.to_string()).await?.is_some() => {
            tracing::info!(error = %e, "the brief was composed by another node");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The hour (Vietnam time) from which the morning job composes the day's brief.
pub const COMPOSE_FROM_HOUR: u8 = 6;

/// The draft of `day`, or why it cannot change.
async fn draft_in(tx: &mut platform::db::Tx, day: &str) -> Result<briefs::BriefRow> {
    match briefs::by_day_in(tx, day).await? {
        None => Err(BriefError::NotFound),
        Some(b) if b.status == "published" => Err(BriefError::Published),
        Some(b) => Ok(b),
    }
}

/// Add a news item to the draft of `day`.
pub async fn add_news(db: &Db, actor: &Actor, day: &str, n: &NewsInput) -> Result<i64> {
    let problems = brief::check_news(n);
    if !problems.is_empty() {
        return Err(BriefError::Invalid(problems));
    }
    let mut tx = db.begin().await?;
    let b = draft_in(&mut tx, day).await?;
    if briefs::news_count(&mut tx, b.id).await? >= MAX_NEWS as i64 {
        return Err(BriefError::Invalid(vec![
            Problem::new("too_many_news").arg("max", MAX_NEWS),
        ]));
    }
    let link = Some(n.link.trim()).filter(|l| !l.is_empty());
    let id = briefs::add_news(
        &mut tx,
        b.id,
        n.title.trim(),
        n.source.trim(),
        n.summary.trim(),
        link,
        &actor.name,
        now_ms(),
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "brief.news_add",
            object_type: "brief",
            object_id: day.to_owned(),
            before: None,
            after: Some(serde_json::json!({"title": n.title.trim(), "source": n.source.trim()})),
        },
    )
    .await?;
    platform::live::publish(&mut tx, TOPIC, &serde_json::json!({"day": day})).await?;
    tx.commit().await?;
    Ok(id)
}

/// Remove a news item from the draft of `day`.
pub async fn remove_news(db: &Db, actor: &Actor, day: &str, news_id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let b = draft_in(&mut tx, day).await?;
    if briefs::remove_news(&mut tx, b.id, news_id).await? == 0 {
        return Err(BriefError::NotFound);
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "brief.news_remove",
            object_type: "brief",
            object_id: day.to_owned(),
            before: Some(serde_json::json!({"news": news_id})),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The editor's opening paragraph of the draft of `day`.
pub async fn set_lead(db: &Db, actor: &Actor, day: &str, lead: &str) -> Result<()> {
    let lead = lead.trim();
    if lead.chars().count() > 3000 {
        return Err(BriefError::Invalid(vec![
            Problem::new("text_too_long")
                .field("lead")
                .arg("field", "lead")
                .arg("max", 3000)
                .arg("length", lead.chars().count()),
        ]));
    }
    let mut tx = db.begin().await?;
    let b = draft_in(&mut tx, day).await?;
    briefs::set_lead(&mut tx, b.id, lead).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "brief.lead",
            object_type: "brief",
            object_id: day.to_owned(),
            before: Some(serde_json::json!({"lead": b.lead})),
            after: Some(serde_json::json!({"lead": lead})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Publish the draft of `day`: it stops changing, and each subscriber is sent it once (the
/// outbox, in the same transaction). `link` is the brief's address for the e-mail.
pub async fn publish(
    db: &Db,
    actor: &Actor,
    day: &str,
    subject: &str,
    body: &str,
) -> Result<usize> {
    let mut tx = db.begin().await?;
    let b = draft_in(&mut tx, day).await?;
    let now = now_ms();
    briefs::publish(&mut tx, b.id, &actor.name, now).await?;
    let mut sent = 0;
    for to in briefs::subscribers_in(&mut tx).await? {
        let email = platform::mail::Email {
            to: to.clone(),
            subject: subject.to_owned(),
            body: body.to_owned(),
        };
        sent += platform::mail::queue(&mut tx, &email, &format!("brief:{day}:{to}"), now).await?
            as usize;
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "brief.publish",
            object_type: "brief",
            object_id: day.to_owned(),
            before: Some(serde_json::json!({"status": "draft"})),
            after: Some(serde_json::json!({"status": "published", "emails": sent})),
        },
    )
    .await?;
    platform::live::publish(&mut tx, TOPIC, &serde_json::json!({"day": day})).await?;
    tx.commit().await?;
    Ok(sent)
}

/// Add (or, `remove`, take off) a subscriber.
pub async fn subscription(db: &Db, actor: &Actor, email: &str, remove: bool) -> Result<()> {
    let email = brief::check_email(email).map_err(|p| BriefError::Invalid(vec![p]))?;
    let mut tx = db.begin().await?;
    let n = if remove {
        briefs::unsubscribe(&mut tx, &email).await?
    } else {
        briefs::subscribe(&mut tx, &email, &actor.name, now_ms()).await?
    };
    if n > 0 {
        audit::append(
            &mut tx,
            actor,
            Change {
                action: if remove {
                    "brief.unsubscribe"
                } else {
                    "brief.subscribe"
                },
                object_type: "brief_subscriber",
                object_id: email.clone(),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{Board, KeyFigure};

    fn figure(code: &str, change: Option<f64>) -> KeyFigure {
        KeyFigure {
            code: code.into(),
            name_vi: code.into(),
            name_en: code.into(),
            unit_vi: String::new(),
            unit_en: String::new(),
            value: Some(1.0),
            last_year: None,
            change_pct: change,
            reported: None,
            expected: None,
            status: None,
            ytd: None,
            target: None,
            target_pct: None,
            target_status: None,
            series: Vec::new(),
            indicator: Default::default(),
        }
    }

    #[test]
    fn the_largest_movements_either_way_come_first_and_late_boards_are_named() {
        let overview = Overview {
            period: "202611".into(),
            figures: vec![
                figure("A", Some(2.0)),
                figure("B", Some(-15.0)),
                figure("C", None),
                figure("D", Some(9.5)),
            ],
            ranking: None,
            boards: vec![Board {
                template: "T".into(),
                name_vi: "T".into(),
                name_en: "T".into(),
                period: "202611".into(),
                deadline: "2026-12-10".into(),
                expected: 34,
                on_time: 30,
                late: 1,
                not_yet: 0,
                overdue: 3,
                units: Vec::new(),
                units_more: 0,
            }],
            generated_at: 0,
        };
        let c = compose_sections(&overview, Vec::new(), 0, Vec::new());
        let order: Vec<&str> = c.movements.iter().map(|m| m.code.as_str()).collect();
        assert_eq!(order, ["B", "D", "A"]);
        assert_eq!(c.late.len(), 1);
        assert_eq!((c.late[0].overdue, c.late[0].late), (3, 1));
    }
}
