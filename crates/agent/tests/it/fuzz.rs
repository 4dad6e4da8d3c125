//! Property tests: random questions never panic the planner and always plan to valid
//! arguments or ask back; random argument JSON never panics validation and every error
//! names an argument.

use forecast_agent::contract::ToolName;
use forecast_agent::planner::Planner;
use forecast_agent::validate::SchemaValidator;
use forecast_agent::{FnTool, PlanOutcome, ToolRegistry};
use proptest::prelude::*;
use serde_json::{Value, json};

const WORDS: &[&str] = &[
    "forecast",
    "why",
    "drop",
    "store",
    "item",
    "3",
    "#4",
    "s12",
    "next",
    "last",
    "week",
    "month",
    "q3",
    "since",
    "black",
    "friday",
    "and",
    "explain",
    "reorder",
    "how",
    "much",
    "order",
    "what",
    "if",
    "price",
    "10%",
    "promote",
    "gbdt_daily@4",
    "rollback",
    "compare",
    "stores",
    "which",
    "best",
    "it",
    "lead",
    "time",
    "5",
    "days",
    "95%",
    "service",
    "level",
    "2026-02-30",
    "2026-01-05",
    "between",
    "to",
    "?",
    ",",
    "lost",
    "sales",
    "drift",
    "item_07",
    "store_99",
    "x",
    "the",
    "of",
    "for",
    "ytd",
    "don't",
];

fn registry() -> ToolRegistry {
    let mut r = ToolRegistry::new();
    for t in ToolName::ALL {
        r.register(FnTool::canonical(t, |_| Ok(json!({})))).unwrap();
    }
    r
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|x| json!(x)),
        "[a-z0-9_@.-]{0,12}".prop_map(Value::String),
        "20[0-9]{2}-[0-1][0-9]-[0-3][0-9]".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("store".to_string()),
                    Just("item".to_string()),
                    Just("horizon".to_string()),
                    Just("period".to_string()),
                    Just("from".to_string()),
                    Just("to".to_string()),
                    Just("change".to_string()),
                    Just("feature".to_string()),
                    Just("delta".to_string()),
                    Just("model".to_string()),
                    Just("by".to_string()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_questions_plan_to_valid_calls_or_ask_back(words in proptest::collection::vec(0..WORDS.len(), 0..14), noise in "\\PC{0,20}") {
        let planner = crate::planner();
        let mut question: Vec<&str> = words.iter().map(|&i| WORDS[i]).collect();
        question.push(&noise);
        let question = question.join(" ");
        let registry = registry();
        match planner.plan(&question).unwrap() {
            PlanOutcome::Plan(plan) => prop_assert!(plan.validate(&registry).is_ok(), "{question:?}: {plan:?}"),
            PlanOutcome::Clarify(c) => prop_assert!(!c.question.is_empty()),
        }
    }

    #[test]
    fn random_arguments_never_panic_and_errors_name_arguments(tool in 0..ToolName::ALL.len(), args in arbitrary_json()) {
        let tool = ToolName::ALL[tool];
        let validator = SchemaValidator::new(&tool.parameters()).unwrap();
        for issue in validator.issues(&args) {
            prop_assert!(!issue.argument.is_empty() && !issue.message.is_empty());
            let top = issue.argument.split('.').next().unwrap();
            let known = tool.arguments().iter().any(|(a, _)| a.as_str() == top);
            let extra = args.get(top).is_some();
            prop_assert!(top == "(arguments)" || known || extra, "{issue:?} for {args}");
        }
    }

    #[test]
    fn a_valid_period_with_a_broken_date_names_it(day in 29u32..=35, month in 1u32..=12) {
        let period = json!({"from": format!("2026-{month:02}-{day:02}"), "to": "2026-12-31"});
        let args = json!({"store": null, "item": null, "period": period});
        let issues = SchemaValidator::new(&ToolName::LostSales.parameters()).unwrap().issues(&args);
        let valid = chrono::NaiveDate::from_ymd_opt(2026, month, day).is_some();
        prop_assert_eq!(issues.is_empty(), valid);
        if !valid {
            prop_assert_eq!(issues[0].argument.as_str(), "period.from");
        }
    }
}
