//! Data scopes: panels and queries filtered to the regions and stores a user may read.

use crate::common::{PASSWORD, clock, security};
use chrono::NaiveDate;
use forecast_core::{Frequency, Panel, Series, SeriesKey};
use forecast_security::{Assignment, DataScope, Domain, Resource, Scope, SecurityError};

/// 6 series: stores s1..s6, regions North (s1, s2, s3) and South (s4, s5, s6).
pub(crate) fn panel() -> Panel {
    let stores = ["s1", "s2", "s3", "s4", "s5", "s6"];
    let series = stores
        .iter()
        .enumerate()
        .map(|(i, s)| Series {
            key: SeriesKey(vec![s.to_string(), "i1".into()]),
            start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            target: vec![i as f64; 3],
            regressors: vec![],
            statics: vec![u32::from(i >= 3), i as u32, 0],
        })
        .collect();
    Panel {
        frequency: Frequency::Daily,
        key_names: vec!["store".into(), "item".into()],
        target_name: "units".into(),
        regressor_names: vec![],
        static_names: vec!["region".into(), "store".into(), "item".into()],
        static_levels: vec![
            vec!["North".into(), "South".into()],
            stores.iter().map(|s| s.to_string()).collect(),
            vec!["i1".into()],
        ],
        series,
    }
}

fn stores_of(p: &Panel) -> Vec<String> {
    p.series.iter().map(|s| s.key.0[0].clone()).collect()
}

#[test]
fn analyst_scoped_to_north_reads_no_south_series() {
    let s = security(&clock());
    s.create_user("ana", PASSWORD).unwrap();
    s.assign_role("ana", &Assignment::new("analyst", Domain::tenant("acme"), Scope::regions(["North"]))).unwrap();
    let (session, _) = s.login("ana", PASSWORD).unwrap();
    let scope = s.data_scope(&session, "acme").unwrap();
    let north = scope.filter_panel(&panel()).unwrap();
    assert_eq!(stores_of(&north), ["s1", "s2", "s3"]);
    assert_eq!(north.static_levels[0], ["North"], "no South level survives");
    assert_eq!(north.static_levels[1], ["s1", "s2", "s3"]);
    assert!(north.series.iter().all(|s| s.statics[0] == 0));
    assert!(scope.check("ana", &Resource::tenant("acme").region("North")).is_ok());
    assert!(matches!(
        scope.check("ana", &Resource::tenant("acme").region("South")),
        Err(SecurityError::PermissionDenied { .. })
    ));
    assert!(!scope.permits("globex", Some("North"), None));
    assert!(s.data_scope(&session, "globex").unwrap().filter_panel(&panel()).unwrap().series.is_empty());
}

#[test]
fn viewers_read_no_data_and_admins_read_all() {
    let s = security(&clock());
    for (user, role) in [("vic", "viewer"), ("ada", "admin")] {
        s.create_user(user, PASSWORD).unwrap();
        s.assign_role(user, &Assignment::new(role, Domain::tenant("acme"), Scope::all())).unwrap();
    }
    let vic = s.login("vic", PASSWORD).unwrap().0;
    let ada = s.login("ada", PASSWORD).unwrap().0;
    assert!(s.data_scope(&vic, "acme").unwrap().filter_panel(&panel()).unwrap().series.is_empty());
    assert_eq!(s.data_scope(&ada, "acme").unwrap().filter_panel(&panel()).unwrap(), panel());
}

#[test]
fn store_sets_key_columns_and_missing_columns() {
    let mut p = panel();
    p.static_names.truncate(1);
    p.static_levels.truncate(1);
    for s in &mut p.series {
        s.statics.truncate(1);
    }
    let by_store = DataScope::new("acme", vec![Scope::stores(["s2", "s5"])]);
    assert_eq!(stores_of(&by_store.filter_panel(&p).unwrap()), ["s2", "s5"], "store read from the key column");
    let by_region = DataScope::new("acme", vec![Scope::regions(["South"])]).region_column("area");
    assert!(matches!(by_region.filter_panel(&p), Err(SecurityError::ScopeColumnMissing { .. })));
    let union = DataScope::new("acme", vec![Scope::regions(["North"]), Scope::stores(["s6"])]);
    assert_eq!(stores_of(&union.filter_panel(&panel()).unwrap()), ["s1", "s2", "s3", "s6"]);
}

#[test]
fn queries_are_filtered_in_memory_and_in_sql() {
    let scope = DataScope::new("acme", vec![Scope::regions(["North"]), Scope::stores(["s6"])]);
    let rows = vec![("North", "s1", 5.0), ("South", "s4", 7.0), ("South", "s6", 9.0)];
    let kept = scope.filter(rows, |r| (Some(r.0), Some(r.1)));
    assert_eq!(kept, [("North", "s1", 5.0), ("South", "s6", 9.0)]);

    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE sales(region TEXT, store TEXT, units REAL);
         INSERT INTO sales VALUES ('North','s1',5),('North','s2',1),('South','s4',7),('South','s6',9);",
    )
    .unwrap();
    let read = |scope: &DataScope| -> Vec<String> {
        let (predicate, params) = scope.sql_predicate().unwrap();
        let sql = format!("SELECT store FROM sales WHERE {predicate} ORDER BY store");
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(read(&scope), ["s1", "s2", "s6"]);
    assert!(read(&DataScope::new("acme", vec![])).is_empty());
    assert_eq!(read(&DataScope::new("acme", vec![Scope::all()])).len(), 4);
    assert!(
        DataScope::new("acme", vec![Scope::regions(["N"])])
            .region_column("x; DROP TABLE sales")
            .sql_predicate()
            .is_err()
    );
}
