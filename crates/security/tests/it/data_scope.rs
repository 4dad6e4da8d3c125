//! Data scopes: panels and queries filtered to the tenant, regions and stores a user may read.

use crate::common::{Env, PASSWORD, env, id};
use chrono::NaiveDate;
use forecast_core::tenant::TenantStatus;
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

/// A platform reader holding `analyst` in acme over each of `grants`, and its scope of acme.
fn scope_of(e: &Env, grants: &[Scope]) -> DataScope {
    e.security.create_user(&e.ops, "reader", PASSWORD).unwrap();
    for g in grants {
        let a = Assignment::new("analyst", Domain::tenant(&id("acme")), g.clone());
        e.security.assign_role(&e.ops, "reader", &a).unwrap();
    }
    let reader = e.login("reader");
    e.security.data_scope(&reader, &id("acme")).unwrap()
}

#[test]
fn analyst_scoped_to_north_reads_no_south_series() {
    let e = env();
    let ana =
        e.user_with("ana@acme", Assignment::new("analyst", Domain::tenant(&id("acme")), Scope::regions(["North"])));
    let scope = e.security.data_scope(&ana, &id("acme")).unwrap();
    let north = scope.filter_panel(&id("acme"), &panel()).unwrap();
    assert_eq!(stores_of(&north), ["s1", "s2", "s3"]);
    assert_eq!(north.static_levels[0], ["North"], "no South level survives");
    assert_eq!(north.static_levels[1], ["s1", "s2", "s3"]);
    assert!(north.series.iter().all(|s| s.statics[0] == 0));
    assert!(scope.check("ana", &Resource::tenant(&id("acme")).region("North")).is_ok());
    assert!(matches!(
        scope.check("ana", &Resource::tenant(&id("acme")).region("South")),
        Err(SecurityError::PermissionDenied { .. })
    ));
    assert!(!scope.permits("globex", Some("North"), None));
    // No scope at all in another tenant: refused, and audited.
    assert!(matches!(e.security.data_scope(&ana, &id("globex")), Err(SecurityError::PermissionDenied { .. })));
    assert_eq!(e.denials("data.scope").len(), 1);
}

#[test]
fn viewers_read_no_data_and_admins_read_all() {
    let e = env();
    let vic = e.user("vic@acme", "viewer");
    let ada = e.user("ada@acme", "admin");
    assert!(e.security.data_scope(&vic, &id("acme")).is_err());
    assert_eq!(e.security.data_scope(&ada, &id("acme")).unwrap().filter_panel(&id("acme"), &panel()).unwrap(), panel());
}

/// Hole 4: on main an unrestricted scope's SQL predicate was `1` and `filter` / `filter_panel`
/// ignored the scope's tenant, so a scope of acme read globex's rows and panels. The tenant is
/// now the first term of every predicate and every filter.
#[test]
fn the_tenant_is_part_of_every_predicate_and_filter() {
    let e = env();
    let ada = e.user("ada@acme", "admin");
    let all = e.security.data_scope(&ada, &id("acme")).unwrap();
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE sales(tenant_id TEXT, region TEXT, store TEXT, units REAL);
         INSERT INTO sales VALUES ('acme','North','s1',5),('acme','South','s4',7),
                                  ('globex','North','s1',100),('globex','South','s6',9);",
    )
    .unwrap();
    let read = |scope: &DataScope| -> Vec<(String, String)> {
        let (predicate, params) = scope.sql_predicate().unwrap();
        let sql = format!("SELECT tenant_id, store FROM sales WHERE {predicate} ORDER BY tenant_id, store");
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(read(&all), [("acme".into(), "s1".into()), ("acme".into(), "s4".into())]);
    let rows = vec![("acme", "North", "s1"), ("globex", "North", "s1"), ("globex", "South", "s6")];
    assert_eq!(all.filter(rows, |r| (r.0, Some(r.1), Some(r.2))), [("acme", "North", "s1")]);
    assert!(all.filter_panel(&id("globex"), &panel()).is_err());
    assert!(all.check("ada", &Resource::tenant(&id("globex"))).is_err());
    let renamed = all.clone().tenant_column("owner").region_column("area");
    assert!(renamed.sql_predicate().unwrap().0.starts_with("owner = ?"));
    assert!(all.clone().tenant_column("x; DROP TABLE sales").sql_predicate().is_err());
}

#[test]
fn store_sets_key_columns_and_missing_columns() {
    let mut p = panel();
    p.static_names.truncate(1);
    p.static_levels.truncate(1);
    for s in &mut p.series {
        s.statics.truncate(1);
    }
    let by_store = scope_of(&env(), &[Scope::stores(["s2", "s5"])]);
    assert_eq!(
        stores_of(&by_store.filter_panel(&id("acme"), &p).unwrap()),
        ["s2", "s5"],
        "store read from the key column"
    );
    let by_region = scope_of(&env(), &[Scope::regions(["South"])]).region_column("area");
    assert!(matches!(by_region.filter_panel(&id("acme"), &p), Err(SecurityError::ScopeColumnMissing { .. })));
    let union = scope_of(&env(), &[Scope::regions(["North"]), Scope::stores(["s6"])]);
    assert_eq!(stores_of(&union.filter_panel(&id("acme"), &panel()).unwrap()), ["s1", "s2", "s3", "s6"]);
}

#[test]
fn queries_are_filtered_in_memory_and_in_sql() {
    let scope = scope_of(&env(), &[Scope::regions(["North"]), Scope::stores(["s6"])]);
    let rows = vec![("North", "s1", 5.0), ("South", "s4", 7.0), ("South", "s6", 9.0)];
    let kept = scope.filter(rows, |r| ("acme", Some(r.0), Some(r.1)));
    assert_eq!(kept, [("North", "s1", 5.0), ("South", "s6", 9.0)]);

    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE sales(tenant_id TEXT, region TEXT, store TEXT, units REAL);
         INSERT INTO sales VALUES ('acme','North','s1',5),('acme','North','s2',1),('acme','South','s4',7),('acme','South','s6',9);",
    )
    .unwrap();
    let read = |scope: &DataScope| -> Vec<String> {
        let (predicate, params) = scope.sql_predicate().unwrap();
        let sql = format!("SELECT store FROM sales WHERE {predicate} ORDER BY store");
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(read(&scope), ["s1", "s2", "s6"]);
    assert_eq!(read(&scope_of(&env(), &[Scope::all()])).len(), 4);
    assert!(scope.clone().region_column("x; DROP TABLE sales").sql_predicate().is_err());
}

#[test]
fn a_suspended_tenant_has_no_data_scope() {
    let e = env();
    let ada = e.user("ada@acme", "admin");
    e.tenants.set(&id("acme"), TenantStatus::Suspended);
    assert!(e.security.data_scope(&ada, &id("acme")).is_err());
}
