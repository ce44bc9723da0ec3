//! Ratings: `svc_ratings` (migration 0036).

use platform::db::{Db, DbResult, Tx};
use platform::params;

/// Records a rating; `false` when the dossier was already rated (nothing changes).
pub async fn insert(
    tx: &mut Tx,
    dossier_id: i64,
    agency_id: Option<i64>,
    user_id: Option<i64>,
    stars: u8,
    comment: &str,
    now: i64,
) -> DbResult<bool> {
    let n = tx
        .execute(
            "INSERT INTO svc_ratings (dossier_id, agency_id, user_id, stars, comment, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dossier_id) DO NOTHING",
            params![
                dossier_id,
                agency_id,
                user_id,
                i64::from(stars),
                comment,
                now
            ],
        )
        .await?;
    Ok(n == 1)
}

/// The rating of a dossier: stars and comment.
pub async fn of_dossier(db: &Db, dossier_id: i64) -> DbResult<Option<(u8, String)>> {
    let row = db
        .fetch_optional(
            "SELECT stars, comment FROM svc_ratings WHERE dossier_id = $1",
            params![dossier_id],
        )
        .await?;
    row.map(|r| {
        let stars: i64 = r.get("stars")?;
        Ok((u8::try_from(stars).unwrap_or(0), r.get("comment")?))
    })
    .transpose()
}

/// How many ratings an agency (or every agency) got in `[from, to)`, and their stars' sum.
pub async fn totals(db: &Db, agency_id: Option<i64>, from: i64, to: i64) -> DbResult<(i64, i64)> {
    let r = match agency_id {
        Some(a) => {
            db.fetch_one(
                "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(stars), 0) AS BIGINT) AS s FROM svc_ratings \
                 WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3",
                params![a, from, to],
            )
            .await?
        }
        None => {
            db.fetch_one(
                "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(stars), 0) AS BIGINT) AS s FROM svc_ratings \
                 WHERE created_at >= $1 AND created_at < $2",
                params![from, to],
            )
            .await?
        }
    };
    Ok((r.get("n")?, r.get("s")?))
}
