use super::*;

#[test]
fn sea_query_statements_render_in_each_dialect() {
    use sea_query::{Expr, ExprTrait, Query};
    let q = Query::select()
        .column("code")
        .from("units")
        .and_where(Expr::col("code").is_in(["HN", "HCM"]))
        .and_where(Expr::col("level").eq(1))
        .to_owned();
    let (sql, params) = Backend::Sqlite.build(&q).unwrap();
    assert!(
        sql.text.as_str().contains("IN (?, ?)"),
        "{}",
        sql.text.as_str()
    );
    assert_eq!(
        params,
        vec![Value::from("HN"), Value::from("HCM"), Value::Int(Some(1))]
    );
    let (sql, _) = Backend::Postgres.build(&q).unwrap();
    assert!(
        sql.text.as_str().contains("IN ($1, $2)"),
        "{}",
        sql.text.as_str()
    );
}

#[derive(sqlx::FromRow, Debug, PartialEq)]
struct Pair {
    label: String,
    n: Option<i64>,
}

#[tokio::test]
async fn typed_rows_and_built_inserts_round_trip_on_sqlite() {
    use sea_query::Query;
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    db.execute_script("CREATE TABLE t (label TEXT NOT NULL, n INTEGER)")
        .await
        .unwrap();
    let mut insert = Query::insert();
    insert.into_table("t").columns(["label", "n"]);
    for (label, n) in [("a", Some(1_i64)), ("b", None)] {
        insert.values_panic([label.into(), n.into()]);
    }
    let (sql, params) = db.backend().build(&insert).unwrap();
    assert_eq!(db.execute(sql, params).await.unwrap(), 2);
    let rows: Vec<Pair> = db
        .fetch_all_as("SELECT label, n FROM t ORDER BY label", vec![])
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![
            Pair {
                label: "a".into(),
                n: Some(1)
            },
            Pair {
                label: "b".into(),
                n: None
            }
        ]
    );
}

/// Fixed statements keep their `$N` text on SQLite (no rewriting): out of order and repeated
/// placeholders bind by number.
#[tokio::test]
async fn numbered_placeholders_bind_by_number_on_sqlite() {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    let row = db
        .fetch_one(
            "SELECT $2 AS a, $1 AS b, $2 AS c, '$1' AS literal",
            vec![Value::from(10_i64), Value::from(20_i64)],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<i64>("a").unwrap(), 20);
    assert_eq!(row.get::<i64>("b").unwrap(), 10);
    assert_eq!(row.get::<i64>("c").unwrap(), 20);
    assert_eq!(row.get::<String>("literal").unwrap(), "$1");
}
