//! Ingest tests: one malformed CSV per error path, in strict and lenient mode, plus gaps,
//! frequencies, date formats, keys and future rows.

use super::*;
use crate::{Error, Frequency, Panel};
use chrono::NaiveDate;

const HEADER: &str = "date,store,item,units,price,promo,region\n";
const GOOD: &str = "2024-01-01,s1,i1,3,2.5,no,north\n\
                    2024-01-02,s1,i1,4,2.5,yes,north\n\
                    2024-01-03,s1,i1,5,2.5,no,north\n\
                    2024-01-01,s2,i1,1,2.0,no,south\n\
                    2024-01-02,s2,i1,0,2.0,no,south\n";

fn spec() -> CsvSpec {
    CsvSpec::new("date", "units").keys(["store", "item"]).regressors(["price", "promo"]).statics(["region"])
}

fn read(csv: &str, spec: &CsvSpec, options: IngestOptions) -> crate::Result<(Panel, IngestReport)> {
    read_csv_from(csv.as_bytes(), "sales.csv", spec, &options)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The good rows plus `bad` (line 7): strict mode fails at (line, column, field) with a
/// message quoting `value`; lenient mode skips exactly one row of kind `problem`.
fn check_case(bad: &str, problem: Problem, line: u64, column: usize, field: &str, value: &str) {
    let csv = format!("{HEADER}{GOOD}{bad}\n");
    match read(&csv, &spec(), IngestOptions::strict(GapPolicy::Masked)) {
        Err(Error::Parse { path, line: l, column: c, field: f, message }) => {
            assert_eq!((path.to_str(), l, c, f.as_str()), (Some("sales.csv"), line, column, field), "{message}");
            assert!(message.contains(value), "message `{message}` does not quote `{value}`");
            assert!(message.contains("accepted"), "message `{message}` does not say what is accepted");
            let shown = Error::Parse { path, line: l, column: c, field: f, message }.to_string();
            assert!(shown.starts_with(&format!("sales.csv:{line}:{column} ({field})")), "{shown}");
        }
        other => panic!("strict mode should fail with a parse error, got {other:?}"),
    }
    let (panel, report) = read(&csv, &spec(), IngestOptions::lenient(GapPolicy::Masked)).unwrap();
    assert_eq!(report.rows_read, 6);
    assert_eq!(report.rows_skipped(), 1);
    assert_eq!(report.skipped_for(problem), 1, "{report}");
    let issue = &report.issues[0];
    assert_eq!((issue.problem, issue.line, issue.column, issue.field.as_str()), (problem, line, column, field));
    assert!(issue.message.contains(value));
    assert!(report.to_string().contains(&format!("skipped 1 rows: {problem}")), "{report}");
    assert_eq!(panel.series.len(), 2);
    assert_eq!(panel.series[0].target, vec![3.0, 4.0, 5.0]);
}

#[test]
fn bad_date_is_reported_with_place_and_value() {
    check_case("2024-13-01,s1,i1,3,2.5,no,north", Problem::BadDate, 7, 1, "date", "2024-13-01");
}

#[test]
fn bad_target_number_is_reported() {
    check_case("2024-01-04,s1,i1,three,2.5,no,north", Problem::BadNumber, 7, 4, "units", "three");
}

#[test]
fn bad_regressor_value_is_reported() {
    check_case("2024-01-04,s1,i1,3,2.5,maybe,north", Problem::BadNumber, 7, 6, "promo", "maybe");
}

#[test]
fn nan_and_infinity_written_in_the_file_are_rejected() {
    check_case("2024-01-04,s1,i1,NaN,2.5,no,north", Problem::NonFinite, 7, 4, "units", "NaN");
    check_case("2024-01-04,s1,i1,3,inf,no,north", Problem::NonFinite, 7, 5, "price", "inf");
}

#[test]
fn negative_units_are_rejected() {
    check_case("2024-01-04,s1,i1,-2,2.5,no,north", Problem::NegativeTarget, 7, 4, "units", "-2");
}

#[test]
fn duplicate_key_and_date_is_rejected() {
    check_case("2024-01-02,s1,i1,9,2.5,no,north", Problem::Duplicate, 7, 1, "date", "2024-01-02");
}

#[test]
fn empty_key_is_rejected() {
    check_case("2024-01-04,,i1,3,2.5,no,north", Problem::EmptyKey, 7, 2, "store", "store");
}

#[test]
fn changing_static_is_rejected() {
    check_case("2024-01-04,s1,i1,3,2.5,no,east", Problem::InconsistentStatic, 7, 7, "region", "east");
}

#[test]
fn wrong_field_count_is_rejected() {
    check_case("2024-01-04,s1,i1,3", Problem::MalformedRow, 7, 5, "price", "4 fields");
}

#[test]
fn series_without_any_target_is_rejected() {
    check_case("2024-01-04,s3,i1,,2.5,no,west", Problem::NoHistory, 7, 4, "units", "s3/i1");
}

#[test]
fn invalid_utf8_is_rejected() {
    let mut bytes = format!("{HEADER}{GOOD}").into_bytes();
    bytes.extend_from_slice(b"2024-01-04,s1,i\xff,3,2.5,no,north\n");
    let err = read_csv_from(bytes.as_slice(), "sales.csv", &spec(), &IngestOptions::default()).unwrap_err();
    assert!(matches!(&err, Error::Parse { line: 7, column: 3, field, .. } if field == "item"), "{err}");
    let (_, report) =
        read_csv_from(bytes.as_slice(), "sales.csv", &spec(), &IngestOptions::lenient(GapPolicy::Zero)).unwrap();
    assert_eq!(report.skipped_for(Problem::MalformedRow), 1);
}

#[test]
fn misaligned_weekly_date_is_rejected() {
    let csv = "week,sku,sales\n2024-01-01,a,5\n2024-01-08,a,6\n2024-01-17,a,7\n2024-01-22,a,8\n";
    let spec = CsvSpec::new("week", "sales").keys(["sku"]).frequency(Frequency::Weekly);
    let err = read(csv, &spec, IngestOptions::strict(GapPolicy::Zero)).unwrap_err();
    let Error::Parse { line, column, field, message, .. } = err else { panic!("{err:?}") };
    assert_eq!((line, column, field.as_str()), (4, 1, "week"));
    assert!(message.contains("2024-01-17") && message.contains("Mon"), "{message}");
    let (panel, report) = read(csv, &spec, IngestOptions::lenient(GapPolicy::Zero)).unwrap();
    assert_eq!(report.skipped_for(Problem::Misaligned), 1);
    assert_eq!(panel.series[0].target, vec![5.0, 6.0, 0.0, 8.0]);
    assert_eq!(report.periods_filled, 1);
}

#[test]
fn missing_column_names_it_and_lists_the_header() {
    let bad = spec().regressors(["price", "promo", "discount"]);
    for options in [IngestOptions::strict(GapPolicy::Zero), IngestOptions::lenient(GapPolicy::Zero)] {
        let err = read(&format!("{HEADER}{GOOD}"), &bad, options).unwrap_err();
        assert!(
            matches!(&err, Error::MissingColumn { column, header, .. } if column == "discount" && header.len() == 7)
        );
        let text = err.to_string();
        assert!(
            text.contains("`discount`") && text.contains("date, store, item, units, price, promo, region"),
            "{text}"
        );
    }
}

#[test]
fn bad_custom_date_format_says_which_format() {
    let csv = "d,k,y\n01/02/2024,a,1\n2024-02-02,a,2\n";
    let spec = CsvSpec::new("d", "y").keys(["k"]).date_format("%d/%m/%Y");
    let err = read(csv, &spec, IngestOptions::default()).unwrap_err().to_string();
    assert!(err.contains("sales.csv:3:1 (d)") && err.contains("%d/%m/%Y") && err.contains("2024-02-02"), "{err}");
}

#[test]
fn lenient_mode_caps_the_issue_list_but_counts_exactly() {
    let mut csv = format!("{HEADER}{GOOD}");
    for _ in 0..1500 {
        csv.push_str("2024-01-05,s1,i1,x,2.5,no,north\n");
    }
    let (_, report) = read(&csv, &spec(), IngestOptions::lenient(GapPolicy::Zero)).unwrap();
    assert_eq!(report.skipped_for(Problem::BadNumber), 1500);
    assert_eq!(report.issues.len(), MAX_STORED_ISSUES);
    assert!(report.to_string().contains("and 1490 more issues"), "{report}");
}

#[test]
fn no_usable_row_is_an_error() {
    let csv = format!("{HEADER}2024-01-01,s1,i1,x,2.5,no,north\n");
    let err = read(&csv, &spec(), IngestOptions::lenient(GapPolicy::Zero)).unwrap_err();
    assert!(matches!(err, Error::InvalidData(ref m) if m.contains("bad_number")), "{err}");
}

const GAPPY: &str = "date,store,units,price\n\
                     2024-01-01,a,2,1.0\n\
                     2024-01-02,a,,1.0\n\
                     2024-01-04,a,4,\n\
                     2024-01-07,a,7,2.0\n\
                     2024-01-01,b,1,3.0\n";

#[test]
fn gaps_are_filled_by_each_policy_and_counted() {
    let spec = CsvSpec::new("date", "units").keys(["store"]).regressors(["price"]);
    let nan = f64::NAN;
    let cases = [
        (GapPolicy::Zero, vec![2.0, 0.0, 0.0, 4.0, 0.0, 0.0, 7.0]),
        (GapPolicy::Masked, vec![2.0, nan, nan, 4.0, nan, nan, 7.0]),
        (GapPolicy::ForwardFill, vec![2.0, 2.0, 2.0, 4.0, 4.0, 4.0, 7.0]),
    ];
    for (policy, expected) in cases {
        let (panel, report) = read(GAPPY, &spec, IngestOptions::strict(policy)).unwrap();
        let a = &panel.series[0];
        let same = a.target.iter().zip(&expected).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
        assert!(same && a.target.len() == 7, "{policy}: {:?}", a.target);
        assert_eq!(a.regressors[0], vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0]);
        assert_eq!(report.periods_filled, 4);
        assert_eq!(report.series_gaps.len(), 1);
        assert_eq!((report.series_gaps[0].gaps, report.series_gaps[0].periods), (2, 4));
        assert_eq!(report.regressor_cells_filled, 4);
        assert!(report.to_string().contains(&format!("filled 4 missing periods in 1 series (policy: {policy})")));
    }
}

#[test]
fn weekly_panel_with_a_missing_week() {
    let csv = "week,sku,sales\n2024-01-01,a,5\n2024-01-15,a,7\n2024-01-08,b,1\n2024-01-15,b,2\n";
    let spec = CsvSpec::new("week", "sales").keys(["sku"]).frequency(Frequency::Weekly);
    let (panel, report) = read(csv, &spec, IngestOptions::strict(GapPolicy::Masked)).unwrap();
    assert_eq!(panel.frequency, Frequency::Weekly);
    let a = &panel.series[0];
    assert_eq!((a.target[0], a.target[2], a.target.len()), (5.0, 7.0, 3));
    assert!(a.target[1].is_nan());
    assert_eq!(panel.date(a, 2), Some(d(2024, 1, 15)));
    assert_eq!(panel.series[1].start, d(2024, 1, 8));
    assert_eq!(report.periods_filled, 1);
}

#[test]
fn monthly_panel_with_custom_date_format_and_semicolons() {
    let csv = "month;region;sales\n01.01.2024;n;10\n01.02.2024;n;12\n01.04.2024;n;9\n";
    let spec = CsvSpec::new("month", "sales")
        .keys(["region"])
        .date_format("%d.%m.%Y")
        .delimiter(b';')
        .frequency(Frequency::Monthly);
    let (panel, _) = read(csv, &spec, IngestOptions::strict(GapPolicy::Zero)).unwrap();
    let s = &panel.series[0];
    assert_eq!(s.target, vec![10.0, 12.0, 0.0, 9.0]);
    assert_eq!(panel.date(s, 3), Some(d(2024, 4, 1)));
    let off = "month;region;sales\n01.01.2024;n;10\n15.02.2024;n;12\n";
    let err = read(off, &spec, IngestOptions::strict(GapPolicy::Zero)).unwrap_err().to_string();
    assert!(err.contains("monthly grid") && err.contains(":3:1"), "{err}");
}

#[test]
fn multiple_key_columns_statics_and_unsorted_rows() {
    let csv = "date,chain,store,sku,units,format\n\
               2024-01-02,x,2,p,4,big\n\
               2024-01-01,x,2,p,3,big\n\
               2024-01-01,x,1,p,1,small\n\
               2024-01-01,y,1,p,8,big\n";
    let spec = CsvSpec::new("date", "units").keys(["chain", "store", "sku"]).statics(["format", "chain"]);
    let (panel, report) = read(csv, &spec, IngestOptions::default()).unwrap();
    assert_eq!(panel.key_names, ["chain", "store", "sku"]);
    let keys: Vec<String> = panel.series.iter().map(|s| s.key.to_string()).collect();
    assert_eq!(keys, ["x/1/p", "x/2/p", "y/1/p"]);
    assert_eq!(panel.series[1].target, vec![3.0, 4.0]);
    assert_eq!(panel.static_levels, vec![vec!["big".to_string(), "small".into()], vec!["x".into(), "y".into()]]);
    assert_eq!(panel.series[0].statics, vec![1, 0]);
    assert_eq!(panel.series[2].statics, vec![0, 1]);
    assert!(report.is_clean());
}

#[test]
fn future_rows_extend_the_regressors_past_the_target() {
    let csv = "date,store,units,price,promo\n\
               2024-01-01,a,2,1.0,false\n\
               2024-01-02,a,3,1.0,true\n\
               2024-01-03,a,,0.8,yes\n\
               2024-01-05,a,,0.9,0\n";
    let spec = CsvSpec::new("date", "units").keys(["store"]).regressors(["price", "promo"]);
    let (panel, report) = read(csv, &spec, IngestOptions::strict(GapPolicy::Zero)).unwrap();
    let s = &panel.series[0];
    assert_eq!(s.target, vec![2.0, 3.0]);
    assert_eq!(s.known_future(), 3);
    assert_eq!(s.regressors[0], vec![1.0, 1.0, 0.8, 0.8, 0.9]);
    // promo is a flag: the missing 2024-01-04 is unknown, not the previous day's promotion.
    assert_eq!(s.regressors[1][..3], [0.0, 1.0, 1.0]);
    assert!(s.regressors[1][3].is_nan());
    assert_eq!(s.regressors[1][4], 0.0);
    assert_eq!((report.future_rows, report.periods_filled, report.rows_kept), (2, 0, 4));
    assert_eq!((report.regressor_cells_filled, report.flag_cells_missing), (1, 1));
}

#[test]
fn read_csv_reads_a_file_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sales.csv");
    std::fs::write(&path, format!("{HEADER}{GOOD}")).unwrap();
    let (panel, report) = read_csv(&path, &spec(), &IngestOptions::default()).unwrap();
    assert_eq!((panel.series.len(), report.rows_kept), (2, 5));
    assert_eq!(report.source, path.display().to_string());
    let missing = read_csv(dir.path().join("nope.csv"), &spec(), &IngestOptions::default()).unwrap_err();
    assert!(matches!(missing, Error::Io { .. }));
}

fn record(day: u32, store: &str, units: f64) -> SalesRecord {
    SalesRecord {
        date: d(2024, 1, day),
        store: store.into(),
        item: "i".into(),
        units,
        price: 2.0,
        discount: 0.1,
        promo: day.is_multiple_of(2),
        holiday: false,
        on_hand: Some(10.0),
    }
}

#[test]
fn records_are_validated_like_csv_rows() {
    let good = vec![record(1, "a", 1.0), record(3, "a", 2.0), record(4, "a", f64::NAN), record(1, "b", 0.0)];
    let (panel, report) =
        Panel::from_records(&good, Frequency::Daily, &IngestOptions::strict(GapPolicy::Zero)).unwrap();
    assert_eq!(panel.series[0].target, vec![1.0, 0.0, 2.0]);
    // promo (a flag) is missing on the absent day 2, not carried over from day 1.
    let promo = &panel.series[0].regressors[2];
    assert_eq!((promo[0], promo[2], promo[3]), (0.0, 0.0, 1.0));
    assert!(promo[1].is_nan());
    assert_eq!((report.future_rows, report.periods_filled), (1, 1));

    let mut negative = good.clone();
    negative[1].units = -1.0;
    let err = Panel::from_records(&negative, Frequency::Daily, &IngestOptions::default()).unwrap_err();
    assert!(matches!(&err, Error::Parse { line: 2, column: 4, field, .. } if field == "units"), "{err}");
    let mut discount = good.clone();
    discount[3].discount = 20.0;
    let err = Panel::from_records(&discount, Frequency::Daily, &IngestOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::Parse { line: 4, column: 6, field, message, .. } if field == "discount" && message.contains("20"))
    );
    let mut infinite = good;
    infinite[0].units = f64::INFINITY;
    let (_, report) =
        Panel::from_records(&infinite, Frequency::Daily, &IngestOptions::lenient(GapPolicy::Zero)).unwrap();
    assert_eq!(report.skipped_for(Problem::NonFinite), 1);
}

#[test]
fn month_end_monthly_data_stays_month_end() {
    // Starts on 2023-02-28 (a month-end that is not a 31st): every later month-end is on the grid.
    let csv = "date,store,units\n2023-02-28,a,1\n2023-03-31,a,2\n2023-04-30,a,3\n2023-05-31,a,4\n2024-02-29,a,13\n";
    let spec = CsvSpec::new("date", "units").keys(["store"]).frequency(Frequency::Monthly);
    let (panel, report) = read(csv, &spec, IngestOptions::strict(GapPolicy::Masked)).unwrap();
    let s = &panel.series[0];
    assert_eq!(s.len(), 13);
    assert_eq!((s.target[3], s.target[12]), (4.0, 13.0));
    assert_eq!(panel.date(s, 13), Some(d(2024, 3, 31)));
    assert_eq!(report.periods_filled, 8);
    // A mid-month date in a month-end series is off the grid, and the message says so.
    let off = "date,store,units\n2023-02-28,a,1\n2023-03-15,a,2\n";
    let e = read(off, &spec, IngestOptions::strict(GapPolicy::Masked)).unwrap_err().to_string();
    assert!(e.contains("month-ends"), "{e}");
}

#[test]
fn trailing_empty_rows_become_plan_rows_only_with_regressors() {
    let csv = "date,store,units,price\n2024-01-01,a,2,1.0\n2024-01-02,a,3,1.0\n2024-01-03,a,,1.1\n2024-01-04,a,,\n2024-01-05,a,,\n";
    let spec = CsvSpec::new("date", "units").keys(["store"]).regressors(["price"]);
    let (panel, report) = read(csv, &spec, IngestOptions::strict(GapPolicy::Masked)).unwrap();
    assert_eq!(panel.series[0].regressors[0], vec![1.0, 1.0, 1.1]);
    assert_eq!((report.future_rows, report.empty_trailing_rows), (1, 2));
    assert!(report.to_string().contains("ignored 2 trailing rows"), "{report}");
    // Without regressor columns, no trailing row is a plan.
    let bare = "date,store,units\n2024-01-01,a,2\n2024-01-02,a,\n";
    let (panel, report) =
        read(bare, &CsvSpec::new("date", "units").keys(["store"]), IngestOptions::strict(GapPolicy::Masked)).unwrap();
    assert_eq!((panel.series[0].len(), report.empty_trailing_rows, report.rows_kept), (1, 1, 1));
}

#[test]
fn duplicates_are_an_error_with_a_hint_or_summed() {
    let csv = "date,store,units,price\n2024-01-01,a,2,1.0\n2024-01-01,a,3,1.0\n2024-01-02,a,4,1.0\n";
    let spec = CsvSpec::new("date", "units").keys(["store"]).regressors(["price"]);
    let e = read(csv, &spec, IngestOptions::default()).unwrap_err().to_string();
    assert!(e.contains("sales.csv:3:1") && e.contains("sum"), "{e}");
    let sum = IngestOptions::default().duplicates(DuplicatePolicy::Sum);
    let (panel, report) = read(csv, &spec, sum).unwrap();
    assert_eq!(panel.series[0].target, vec![5.0, 4.0]);
    assert_eq!((report.duplicates_summed, report.rows_kept), (1, 3));
    // Rows that disagree on a regressor cannot be summed: the conflict is named.
    let conflict = "date,store,units,price\n2024-01-01,a,2,1.0\n2024-01-01,a,3,1.5\n";
    let e = read(conflict, &spec, sum).unwrap_err().to_string();
    assert!(e.contains("`price` = 1.5") && e.contains("line 2"), "{e}");
}

#[test]
fn negative_targets_follow_their_policy() {
    let csv = "date,store,units\n2024-01-01,a,2\n2024-01-02,a,-1\n2024-01-03,a,4\n";
    let spec = CsvSpec::new("date", "units").keys(["store"]);
    let e = read(csv, &spec, IngestOptions::default()).unwrap_err().to_string();
    assert!(e.contains("sales.csv:3:3") && e.contains("clip to zero or keep"), "{e}");
    let (clipped, report) = read(csv, &spec, IngestOptions::default().negatives(NegativePolicy::ClipToZero)).unwrap();
    assert_eq!((clipped.series[0].target.clone(), report.negatives_clipped), (vec![2.0, 0.0, 4.0], 1));
    let (kept, report) = read(csv, &spec, IngestOptions::default().negatives(NegativePolicy::Keep)).unwrap();
    assert_eq!((kept.series[0].target.clone(), report.negatives_kept), (vec![2.0, -1.0, 4.0], 1));
    let (skipped, report) = read(csv, &spec, IngestOptions::lenient(GapPolicy::Masked)).unwrap();
    assert_eq!(report.skipped_for(Problem::NegativeTarget), 1);
    assert!(skipped.series[0].target[1].is_nan());
}
