//! What every app built for reporting checks when it closes: the tables kept by approval and
//! corrections (`unit_series`, `province_totals`) equal a rebuild. Used by reporting's tests and
//! by the binary's (`crates/egov/tests/it/support.rs` includes this file).

use platform::db::Db;

/// The histories of approved values kept by approval and corrections (`unit_series`) are
/// what a rebuild from `data_values` gives. Every story checks this when it closes its app.
pub async fn assert_series_kept(db: &Db) {
    fn read(rows: Vec<platform::db::Row>) -> Vec<(i64, Vec<u8>)> {
        rows.iter()
            .map(|r| {
                (
                    r.get("unit_id").unwrap(),
                    r.get::<Vec<u8>>("points").unwrap(),
                )
            })
            .filter(|(_, p)| !p.is_empty())
            .collect()
    }
    const ALL: &str = "SELECT unit_id, points FROM unit_series ORDER BY unit_id";
    let kept = read(db.fetch_all(ALL, platform::params![]).await.unwrap());
    let mut tx = db.begin().await.unwrap();
    reporting::store::series::rebuild(&mut tx).await.unwrap();
    let rebuilt = read(tx.fetch_all(ALL, platform::params![]).await.unwrap());
    drop(tx);
    assert_eq!(
        kept.iter()
            .map(|(u, p)| (*u, p.len() / 17))
            .collect::<Vec<_>>(),
        rebuilt
            .iter()
            .map(|(u, p)| (*u, p.len() / 17))
            .collect::<Vec<_>>(),
        "kept histories (unit, values) differ from a rebuild"
    );
    assert!(
        kept == rebuilt,
        "kept histories differ from a rebuild in their values"
    );
    // So are the provinces' totals (`province_totals`) the national roll-up reads.
    const TOTALS: &str = "SELECT indicator_id, period, n, total, min_value, max_value \
                          FROM province_totals ORDER BY indicator_id, period";
    type Total = (i64, String, i64, [f64; 3]);
    let totals = |rows: Vec<platform::db::Row>| -> Vec<Total> {
        rows.iter()
            .map(|r| {
                (
                    r.get("indicator_id").unwrap(),
                    r.get("period").unwrap(),
                    r.get("n").unwrap(),
                    ["total", "min_value", "max_value"].map(|c| r.get::<f64>(c).unwrap()),
                )
            })
            .collect()
    };
    let kept = totals(db.fetch_all(TOTALS, platform::params![]).await.unwrap());
    let mut tx = db.begin().await.unwrap();
    reporting::store::data::refresh_province_totals(&mut tx, None)
        .await
        .unwrap();
    let rebuilt = totals(tx.fetch_all(TOTALS, platform::params![]).await.unwrap());
    drop(tx);
    assert_eq!(kept.len(), rebuilt.len(), "province totals kept vs rebuilt");
    for (k, r) in kept.iter().zip(&rebuilt) {
        assert_eq!(
            (k.0, &k.1, k.2),
            (r.0, &r.1, r.2),
            "province totals kept vs rebuilt"
        );
        for (a, b) in k.3.iter().zip(&r.3) {
            assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{k:?} vs {r:?}");
        }
    }
}
