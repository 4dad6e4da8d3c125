//! `LlmPlanner` against a stub chat-completions server on 127.0.0.1 started by the test.

use forecast_agent::contract::ToolName;
use forecast_agent::planner::Planner;
use forecast_agent::{AgentError, FnTool, LlmPlanner, PlanOutcome, ToolRegistry};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Serves one canned (status, body) per connection, in order, and records the request bodies.
fn stub(replies: Vec<(u16, String)>) -> (String, Arc<Mutex<Vec<Value>>>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/chat/completions", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let handle = std::thread::spawn(move || {
        for (status, body) in replies {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut request = vec![0; length];
            reader.read_exact(&mut request).unwrap();
            record.lock().unwrap().push(serde_json::from_slice(&request).unwrap());
            let mut stream = reader.into_inner();
            write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (url, seen, handle)
}

fn tool_calls(calls: &[(&str, Value)]) -> String {
    let calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(k, (name, args))| json!({"id": format!("call_{k}"), "type": "function", "function": {"name": name, "arguments": args.to_string()}}))
        .collect();
    json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": calls}, "finish_reason": "tool_calls"}]}).to_string()
}

fn registry() -> ToolRegistry {
    let mut r = ToolRegistry::new();
    for t in [ToolName::Reorder, ToolName::Forecast] {
        r.register(FnTool::canonical(t, |_| Ok(json!({})))).unwrap();
    }
    r
}

#[test]
fn tool_calls_become_a_validated_plan() {
    let reorder = json!({"store": "store_03", "item": "item_12", "horizon": 14, "service_level": null, "lead_time": null, "model": null});
    let forecast = json!({"store": "store_03", "item": "item_12", "horizon": 14, "model": null});
    let (url, seen, handle) = stub(vec![(200, tool_calls(&[("forecast", forecast), ("reorder", reorder.clone())]))]);
    let planner = LlmPlanner::new(&url, "local-model", &registry()).unwrap().api_key("k");
    let outcome = planner.plan("how much should store 3 reorder of item 12 for the next two weeks?").unwrap();
    handle.join().unwrap();
    let plan = outcome.plan().unwrap();
    assert_eq!(plan.steps.iter().map(|s| s.tool.as_str()).collect::<Vec<_>>(), ["forecast", "reorder"]);
    assert_eq!(plan.steps[1].args, reorder);
    let request = &seen.lock().unwrap()[0];
    assert_eq!(request["model"], "local-model");
    assert_eq!(request["messages"][1]["content"], "how much should store 3 reorder of item 12 for the next two weeks?");
    let names: Vec<&str> =
        request["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["forecast", "reorder"]);
    assert_eq!(request["tools"][0]["function"]["strict"], true);
    assert_eq!(request["tools"][0]["function"]["parameters"]["additionalProperties"], false);
}

#[test]
fn invalid_arguments_go_back_as_tool_results_naming_the_argument() {
    let bad = json!({"store": "store_03", "item": null, "horizon": "two weeks", "model": null});
    let good = json!({"store": "store_03", "item": null, "horizon": 14, "model": null});
    let (url, seen, handle) =
        stub(vec![(200, tool_calls(&[("forecast", bad)])), (200, tool_calls(&[("forecast", good.clone())]))]);
    let outcome = LlmPlanner::new(&url, "m", &registry()).unwrap().plan("forecast store 3 for two weeks").unwrap();
    handle.join().unwrap();
    assert_eq!(outcome.plan().unwrap().steps[0].args, good);
    let second = &seen.lock().unwrap()[1];
    let messages = second["messages"].as_array().unwrap();
    let tool_message = messages.iter().find(|m| m["role"] == "tool").unwrap();
    assert_eq!(tool_message["tool_call_id"], "call_0");
    assert!(tool_message["content"].as_str().unwrap().contains("`horizon`"), "{tool_message}");
    assert!(messages.iter().any(|m| m["role"] == "assistant" && m["tool_calls"].is_array()));
}

#[test]
fn replies_without_calls_or_with_unfixable_calls_ask_back_and_http_errors_are_errors() {
    let text =
        json!({"choices": [{"message": {"role": "assistant", "content": "Which store do you mean?"}}]}).to_string();
    let unknown = tool_calls(&[("delete_everything", json!({}))]);
    let (url, _, handle) =
        stub(vec![(200, text), (200, unknown.clone()), (200, unknown), (500, "{\"error\":\"down\"}".into())]);
    let planner = LlmPlanner::new(&url, "m", &registry()).unwrap();
    match planner.plan("reorder").unwrap() {
        PlanOutcome::Clarify(c) => assert_eq!(c.question, "Which store do you mean?"),
        other => panic!("{other:?}"),
    }
    match planner.plan("wipe it").unwrap() {
        PlanOutcome::Clarify(c) => assert!(c.question.contains("unknown tool `delete_everything`"), "{}", c.question),
        other => panic!("{other:?}"),
    }
    match planner.plan("forecast") {
        Err(AgentError::Llm { message }) => assert!(message.contains("HTTP 500"), "{message}"),
        other => panic!("{other:?}"),
    }
    handle.join().unwrap();
}
