use loyalty_tests::TestEnv;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn an_unknown_member_reads_as_empty_balances() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let m = member(&env, "nobody").await;
    assert_eq!(m["member_id"], "nobody");
    assert_eq!(m["points"]["balance"], 0);
    assert_eq!(m["points"]["expiring"], json!([]));
    assert_eq!(m["credit"]["balance"], "0.00");
    assert_eq!(m["cards"], json!([]));
    assert_eq!(m["level"], json!(null));
}

#[tokio::test]
async fn customers_do_not_see_credit_while_the_program_is_off_but_staff_do() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    adjust(
        &env,
        "m1",
        "k1",
        json!({"account": "credit", "delta": "4.00", "reason": "x"}),
    )
    .await;
    let mine = member_as(&env, &env.token("customer", "m1"), "m1").await;
    assert_eq!(mine.body["credit"], json!(null));
    assert_eq!(member(&env, "m1").await["credit"]["balance"], "4.00");
}

#[tokio::test]
async fn a_bad_member_id_is_refused() {
    let env = TestEnv::new().await;
    member_as(&env, &env.admin(), "a#b")
        .await
        .assert_problem(422, "invalid_request");
}
