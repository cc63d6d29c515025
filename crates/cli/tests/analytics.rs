//! `pelanggan analytics` in both output modes, on a generated shop and on a
//! small one built through the billing commands.

mod common;

use common::Shop;

#[test]
fn analytics_of_a_generated_shop_in_both_modes() {
    let shop = Shop::new();
    shop.ok(&["gen", "--customers", "400", "--seed", "3"]);
    let all = shop.ok(&["analytics", "--range", "all"]);
    assert_eq!(all["from"], serde_json::Value::Null);
    assert!(all["new_customers"].as_u64().unwrap() >= 399, "{all}");
    assert!(all["active_subscribers"].as_u64().unwrap() > 100, "{all}");
    assert_eq!(all["top_by"], "revenue");
    assert_eq!(all["top"].as_array().unwrap().len(), 10);
    assert!(
        all["monthly"].as_array().unwrap().len() >= 36,
        "three years of months"
    );
    // Money is a decimal string, as everywhere in the CLI.
    assert!(all["revenue"].as_str().unwrap().contains('.'));
    let month = shop.ok(&["analytics"]);
    assert!(month["from"].is_string(), "30 days by default");
    assert!(
        month["revenue"].as_str().unwrap().parse::<f64>().unwrap()
            <= all["revenue"].as_str().unwrap().parse::<f64>().unwrap()
    );
    let top = shop.ok(&["analytics", "--range", "7d", "--top", "balance"]);
    let first = &top["top"][0];
    assert!(first["amount"].as_str().unwrap().starts_with('-'), "{top}");
    let subs = shop.ok(&["analytics", "--range", "1y", "--top", "subscriptions"]);
    assert_eq!(subs["top"][0]["subscriptions"], 1);
    let text = shop.text(&["analytics", "--range", "90d"]);
    for part in [
        "new customers",
        "churned",
        "monthly",
        "top customers by revenue",
        "popular tags",
    ] {
        assert!(text.contains(part), "{part} missing in\n{text}");
    }
}

#[test]
fn explicit_dates_and_bad_values() {
    let shop = Shop::new();
    let r = shop.ok(&["analytics", "--from", "2026-01-01", "--to", "2026-03-31"]);
    assert_eq!(r["from"], "2026-01-01");
    assert_eq!(r["to"], "2026-03-31");
    assert_eq!(r["monthly"].as_array().unwrap().len(), 3);
    assert_eq!(r["revenue"], "0.00");
    let e = shop.err(&["analytics", "--range", "2w"], 1);
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("validation"), Some("range"))
    );
    let e = shop.err(&["analytics", "--top", "price"], 1);
    assert_eq!(e["field"], "top");
    let e = shop.err(
        &["analytics", "--from", "2026-03-01", "--to", "2026-01-01"],
        1,
    );
    assert_eq!(e["field"], "from");
    let e = shop.err(
        &["analytics", "--from", "yesterday", "--to", "2026-01-01"],
        1,
    );
    assert_eq!(e["field"], "from");
    // --from without --to is a usage error.
    shop.err(&["analytics", "--from", "2026-01-01"], 2);
}
