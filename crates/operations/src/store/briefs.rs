//! The daily briefs, their news items and the e-mail subscribers (`briefs`, `brief_news`,
//! `brief_subscribers`).

use platform::db::{Db, DbResult, Tx};
use platform::params;

/// A brief as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BriefRow {
    pub id: i64,
    pub day: String,
    pub status: String,
    pub content: String,
    pub lead: String,
    pub composed_at: i64,
    pub published_at: Option<i64>,
    pub published_by: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NewsRow {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub summary: String,
    pub link: Option<String>,
}

/// A statement reading briefs, fixed at compile time.
macro_rules! briefs_where {
    ($tail:literal) => {
        concat!(
            "SELECT id, day, status, content, lead, composed_at, published_at, published_by, \
             version FROM briefs ",
            $tail
        )
    };
}

pub async fn by_day(db: &Db, day: &str) -> DbResult<Option<BriefRow>> {
    db.fetch_optional_as::<BriefRow>(briefs_where!("WHERE day = $1"), params![day])
        .await
}

pub async fn by_day_in(tx: &mut Tx, day: &str) -> DbResult<Option<BriefRow>> {
    tx.fetch_optional_as::<BriefRow>(briefs_where!("WHERE day = $1"), params![day])
        .await
}

/// The latest published brief.
pub async fn latest_published(db: &Db) -> DbResult<Option<BriefRow>> {
    Ok(db
        .fetch_all_as::<BriefRow>(
            briefs_where!("WHERE status = 'published' ORDER BY day DESC LIMIT 1"),
            params![],
        )
        .await?
        .into_iter()
        .next())
}

/// Published briefs, newest first: (day, published_at), a page of at most `limit`.
pub async fn archive(db: &Db, limit: i64, offset: i64) -> DbResult<Vec<BriefRow>> {
    db.fetch_all_as::<BriefRow>(
        briefs_where!("WHERE status = 'published' ORDER BY day DESC LIMIT $1 OFFSET $2"),
        params![limit, offset],
    )
    .await
}

/// A new draft for `day`.
pub async fn insert_draft(tx: &mut Tx, day: &str, content: &str, now: i64) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO briefs (day, status, content, lead, composed_at) \
         VALUES ($1, 'draft', $2, '', $3) RETURNING id",
        params![day, content, now],
    )
    .await?
    .get("id")
}

/// The draft's sections composed again (its lead and news stay).
pub async fn recompose(tx: &mut Tx, id: i64, content: &str, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE briefs SET content = $1, composed_at = $2, version = version + 1 \
         WHERE id = $3 AND status = 'draft'",
        params![content, now, id],
    )
    .await
}

pub async fn set_lead(tx: &mut Tx, id: i64, lead: &str) -> DbResult<u64> {
    tx.execute(
        "UPDATE briefs SET lead = $1, version = version + 1 WHERE id = $2 AND status = 'draft'",
        params![lead, id],
    )
    .await
}

pub async fn publish(tx: &mut Tx, id: i64, by: &str, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE briefs SET status = 'published', published_at = $1, published_by = $2, \
         version = version + 1 WHERE id = $3 AND status = 'draft'",
        params![now, by, id],
    )
    .await
}

pub async fn news(db: &Db, brief_id: i64) -> DbResult<Vec<NewsRow>> {
    db.fetch_all_as::<NewsRow>(
        "SELECT id, title, source, summary, link FROM brief_news WHERE brief_id = $1 ORDER BY id",
        params![brief_id],
    )
    .await
}

pub async fn news_count(tx: &mut Tx, brief_id: i64) -> DbResult<i64> {
    tx.fetch_one(
        "SELECT COUNT(*) AS n FROM brief_news WHERE brief_id = $1",
        params![brief_id],
    )
    .await?
    .get("n")
}

#[allow(clippy::too_many_arguments)]
pub async fn add_news(
    tx: &mut Tx,
    brief_id: i64,
    title: &str,
    source: &str,
    summary: &str,
    link: Option<&str>,
    by: &str,
    now: i64,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO brief_news (brief_id, title, source, summary, link, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        params![brief_id, title, source, summary, link, now, by],
    )
    .await?
    .get("id")
}

pub async fn remove_news(tx: &mut Tx, brief_id: i64, id: i64) -> DbResult<u64> {
    tx.execute(
        "DELETE FROM brief_news WHERE id = $1 AND brief_id = $2",
        params![id, brief_id],
    )
    .await
}

pub async fn subscribers(db: &Db) -> DbResult<Vec<String>> {
    Ok(db
        .fetch_all(
            "SELECT email FROM brief_subscribers ORDER BY email",
            params![],
        )
        .await?
        .into_iter()
        .filter_map(|r| r.get::<String>("email").ok())
        .collect())
}

pub async fn subscribers_in(tx: &mut Tx) -> DbResult<Vec<String>> {
    let rows = tx
        .fetch_all(
            "SELECT email FROM brief_subscribers ORDER BY email",
            params![],
        )
        .await?;
    rows.into_iter().map(|r| r.get("email")).collect()
}

/// 1 when added, 0 when already subscribed.
pub async fn subscribe(tx: &mut Tx, email: &str, by: &str, now: i64) -> DbResult<u64> {
    tx.execute(
        "INSERT INTO brief_subscribers (email, created_at, created_by) VALUES ($1, $2, $3) \
         ON CONFLICT (email) DO NOTHING",
        params![email, now, by],
    )
    .await
}

pub async fn unsubscribe(tx: &mut Tx, email: &str) -> DbResult<u64> {
    tx.execute(
        "DELETE FROM brief_subscribers WHERE email = $1",
        params![email],
    )
    .await
}
