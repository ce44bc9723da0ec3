//! Rating the service: the applicant rates a dossier once its result is returned (status 10).

use platform::audit::{self, Actor, Change};
use platform::db::Db;
use platform::error::FaultResult;
use serde_json::json;

use crate::model::dossier::Status;
use crate::model::rating::Rating;
use crate::store::ratings as store;

/// The dossier rated, as its engine states it.
#[derive(Debug, Clone, Copy)]
pub struct Rated {
    pub dossier_id: i64,
    pub agency_id: Option<i64>,
    pub status: Status,
}

/// Why a rating is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RateRefused {
    /// Only a returned dossier (status 10) is rated.
    #[error("the dossier's result has not been returned")]
    NotReturned,
    #[error("the dossier is already rated")]
    AlreadyRated,
}

impl RateRefused {
    pub fn code(self) -> &'static str {
        match self {
            RateRefused::NotReturned => "rating_not_returned",
            RateRefused::AlreadyRated => "rating_already_given",
        }
    }
}

/// Records the applicant's rating, once, with its audit entry.
pub async fn rate(
    db: &Db,
    actor: &Actor,
    d: Rated,
    r: &Rating,
    now: i64,
) -> FaultResult<Result<(), RateRefused>> {
    if d.status != Status::Returned {
        return Ok(Err(RateRefused::NotReturned));
    }
    let mut tx = db.begin().await?;
    if !store::insert(
        &mut tx,
        d.dossier_id,
        d.agency_id,
        actor.user_id,
        r.stars,
        &r.comment,
        now,
    )
    .await?
    {
        return Ok(Err(RateRefused::AlreadyRated));
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "services.dossier_rated",
            object_type: "svc_dossier",
            object_id: d.dossier_id.to_string(),
            before: None,
            after: Some(json!({"stars": r.stars, "comment": r.comment})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
