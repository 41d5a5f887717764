use loyalty_tests::TestEnv;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn an_admin_sets_currency_and_timezone_and_the_secret_is_never_echoed() {
    let env = TestEnv::new().await;
    let res = settings(
        &env,
        &env.admin(),
        json!({"currency": "MYR", "timezone": "Asia/Kuala_Lumpur", "webhook_secret": "whsec_0123456789abcdef"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["currency"], "MYR");
    assert_eq!(res.body["timezone"], "Asia/Kuala_Lumpur");
    assert!(!res.raw.contains("whsec_0123456789abcdef"));
    // A later PUT without the secret keeps it.
    let res = settings(
        &env,
        &env.token("owner", "o1"),
        json!({"currency": "MYR", "timezone": "Asia/Singapore"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.raw);
    assert_eq!(res.body["webhook_secret_set"], true);
    assert_eq!(res.body["timezone"], "Asia/Singapore");
}

#[tokio::test]
async fn bad_settings_are_refused_with_their_code() {
    let env = TestEnv::new().await;
    let admin = env.admin();
    for (body, status) in [
        (
            json!({"currency": "myr", "timezone": "Asia/Kuala_Lumpur"}),
            422,
        ),
        (json!({"currency": "MYR", "timezone": "Mars/Base"}), 422),
        (json!({"currency": "MYR"}), 422),
        (
            json!({"currency": 458, "timezone": "Asia/Kuala_Lumpur"}),
            422,
        ),
        (
            json!({"currency": "MYR", "timezone": "UTC", "webhook_secret": "short"}),
            422,
        ),
    ] {
        settings(&env, &admin, body)
            .await
            .assert_problem(status, "invalid_request");
    }
    let res = settings(
        &env,
        &env.token("cashier", "c1"),
        json!({"currency": "MYR", "timezone": "UTC"}),
    )
    .await;
    res.assert_problem(403, "forbidden");
    // Nothing was written: the shop is still unconfigured, so credit cannot move.
    adjust(
        &env,
        "m1",
        "k1",
        json!({"account": "credit", "delta": "1.00", "reason": "x"}),
    )
    .await
    .assert_problem(409, "shop_not_configured");
}

#[tokio::test]
async fn the_currency_cannot_change_under_existing_balances() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let res = settings(
        &env,
        &env.admin(),
        json!({"currency": "SGD", "timezone": "UTC"}),
    )
    .await;
    res.assert_problem(409, "currency_locked");
}

/// Seed: issue 15 (a shop's configuration must not be capped by one partition, and never
/// at the price of exactness). Every copy of a configuration item is written with it, so
/// whichever copy a call reads, it reads the change as committed.
#[tokio::test]
async fn configuration_changes_reach_every_copy_in_the_same_transaction() {
    let env = TestEnv::new().await;
    setup_shop(&env).await;
    let shop = domain::ShopId::parse(&env.shop).unwrap();
    let item_of = |k: &store::Key| {
        let k = k.clone();
        let env = &env;
        async move {
            env.store()
                .client()
                .get_item()
                .table_name(env.store().table())
                .key("PK", store::item::s(&k.pk))
                .key("SK", store::item::s(&k.sk))
                .consistent_read(true)
                .send()
                .await
                .unwrap()
                .item
        }
    };
    for timezone in ["Asia/Kuala_Lumpur", "Europe/Berlin"] {
        let res = settings(&env, &env.admin(), json!({"timezone": timezone})).await;
        assert_eq!(res.status, 200, "{}", res.raw);
        let original = store::keys::settings(&shop);
        let mut seen = Vec::new();
        for k in 0..store::keys::CONFIG_COPIES {
            let copy = item_of(&store::keys::config_copy(&original, k))
                .await
                .unwrap();
            assert_eq!(copy["timezone"], store::item::s(timezone), "copy {k}");
            seen.push(copy["version"].clone());
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
        // Reads land on random copies: every one of many answers the change.
        for _ in 0..20 {
            let snapshot = env
                .store()
                .load(std::slice::from_ref(&original))
                .await
                .unwrap();
            let read = store::settings::read(&snapshot, &shop).unwrap().unwrap();
            assert_eq!(read.timezone.name(), timezone);
        }
    }
}
