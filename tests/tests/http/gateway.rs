//! What API Gateway answers for bytes and methods no function sees: problem+json 4xx.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::stack::Stack;

#[tokio::test]
async fn bytes_and_methods_no_function_sees_get_problem_json_4xx_as_api_gateway_answers() {
    // Hardening: watch answered invalid UTF-8 with its own 500 and TRACE with 501 HTML.
    let stack = Stack::new("edge");
    let token = stack.token("admin", "e2e-admin");
    let res = stack
        .http
        .post(format!("{}/members/m1/adjustments", stack.url))
        .bearer_auth(&token)
        .header("Idempotency-Key", "bad-bytes")
        .header("content-type", "application/json")
        .body(vec![0xff_u8, 0xfe, b'{', 0x80])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "invalid_request"
    );
    for method in ["TRACE", "PROPFIND"] {
        let res = stack
            .http
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}/members/m1", stack.url),
            )
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "method_not_allowed"
        );
    }
    stack.touch("m1");
    stack.check_invariants().await;
}
