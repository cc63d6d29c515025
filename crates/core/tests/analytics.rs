//! Analytics on a small shop with known answers, built through the real
//! billing functions (subscriptions, invoices, payments, refunds).

mod billing_support;

use billing_support::{customer, money, shop, subscription};
use chrono::{Days, Utc};
use pelanggan_core::analytics::{self, Period, Query, TopBy};
use pelanggan_core::billing::{invoices, payments, subscriptions};
use pelanggan_core::customers;
use pelanggan_core::tags::{self, TagInput};
use pelanggan_core::{Db, Money};

struct Shop {
    _dir: tempfile::TempDir,
    db: Db,
    a: String,
    b: String,
    c: String,
}

/// A: pays its 100,000 invoice today (and 30,000 more, refunded).
/// B: owes its 150,000 invoice. C: paid 200,000 45 days ago, then cancelled.
/// D: no subscription, tag Kos. E: tag VIP, deleted. A and B carry VIP.
fn build() -> Shop {
    let (dir, mut db) = shop();
    let today = Utc::now().date_naive();
    let start = today.format("%Y-%m-%d").to_string();
    let a = customer(&mut db, "Budi Santoso", "0812-1111-0001");
    let b = customer(&mut db, "Siti Aminah", "0812-1111-0002");
    let c = customer(&mut db, "Agus Salim", "0812-1111-0003");
    let d = customer(&mut db, "Dewi Lestari", "0812-1111-0004");
    let e = customer(&mut db, "Eko Prasetyo", "0812-1111-0005");
    let monthly = subscriptions::Cycle::Monthly;
    subscription(&mut db, &a, "budi", "100000", monthly, &start);
    subscription(&mut db, &b, "siti", "150000", monthly, &start);
    let sc = subscription(&mut db, &c, "agus", "200000", monthly, &start);
    db.write(None, |w| {
        invoices::issue_due(w, today)?;
        for (who, tag) in [(&a, "VIP"), (&b, "VIP"), (&d, "Kos"), (&e, "VIP")] {
            tags::add(w, who, &TagInput::new(tag, None)?)?;
        }
        payments::record(w, &a, money("100000"), payments::NewPayment::default())?;
        let extra = payments::record(w, &a, money("30000"), payments::NewPayment::default())?;
        payments::refund(w, &extra.id)?;
        payments::record(
            w,
            &c,
            money("200000"),
            payments::NewPayment {
                received_at: Some(Utc::now() - chrono::Duration::days(45)),
                ..payments::NewPayment::default()
            },
        )?;
        subscriptions::cancel(w, &sc.id)?;
        customers::delete(w, &e)?;
        Ok(())
    })
    .unwrap();
    billing_support::check(&db);
    Shop {
        _dir: dir,
        db,
        a,
        b,
        c,
    }
}

fn report(db: &Db, period: Period, top: TopBy) -> analytics::Report {
    analytics::analytics(
        db.conn(),
        &Query {
            period,
            top,
            today: Utc::now().date_naive(),
        },
    )
    .unwrap()
}

#[test]
fn figures_of_the_last_30_days() {
    let s = build();
    let r = report(&s.db, Period::Days(30), TopBy::Revenue);
    let today = Utc::now().date_naive();
    assert_eq!(r.from, Some(today - Days::new(29)));
    assert_eq!(r.to, today);
    assert_eq!(r.new_customers, 5, "a deleted customer still joined");
    assert_eq!(r.active_subscribers, 2, "A and B; C cancelled");
    assert_eq!(
        r.churned, 1,
        "C: no active subscription, last paid 45 days ago"
    );
    assert_eq!(
        r.revenue,
        money("100000"),
        "the refunded payment is not revenue"
    );
    assert_eq!(r.payments, 1);
    assert_eq!(
        r.average_revenue_per_customer,
        money("25000"),
        "100,000 / 4 live"
    );
    assert_eq!(r.lifetime_value, money("75000"), "(100,000 + 200,000) / 4");
    assert_eq!(r.total_debt, money("150000"));
    assert_eq!(r.customers_with_debt, 1);
    assert_eq!(r.unpaid_invoiced, money("150000"), "B's invoice");
    let revenue: i64 = r.monthly.iter().map(|m| m.revenue.minor()).sum();
    assert_eq!(revenue, money("100000").minor());
    let joined: u64 = r.monthly.iter().map(|m| m.new_customers).sum();
    assert_eq!(joined, 5);
    assert!(!r.monthly.is_empty() && r.monthly.len() <= 2);
    let top: Vec<(&str, Option<Money>)> = r.top.iter().map(|c| (c.id.as_str(), c.amount)).collect();
    assert_eq!(top, vec![(s.a.as_str(), Some(money("100000")))]);
    let tags: Vec<(&str, u64)> = r
        .popular_tags
        .iter()
        .map(|t| (t.name.as_str(), t.customers))
        .collect();
    assert_eq!(tags, vec![("VIP", 2), ("Kos", 1)], "E is deleted");
}

#[test]
fn wider_ranges_and_other_top_lists() {
    let s = build();
    let r = report(&s.db, Period::Days(90), TopBy::Revenue);
    assert_eq!(r.revenue, money("300000"));
    assert_eq!(r.payments, 2);
    assert_eq!(r.average_revenue_per_customer, money("75000"));
    assert_eq!(r.churned, 1);

    let all = report(&s.db, Period::All, TopBy::Revenue);
    assert_eq!(all.from, None);
    assert_eq!(all.revenue, money("300000"));
    let top: Vec<&str> = all.top.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(top, vec![s.c.as_str(), s.a.as_str()], "by total spent");

    let balance = report(&s.db, Period::All, TopBy::Balance);
    let top: Vec<(&str, Option<Money>)> = balance
        .top
        .iter()
        .map(|c| (c.id.as_str(), c.amount))
        .collect();
    assert_eq!(top, vec![(s.b.as_str(), Some(money("-150000")))]);

    let subs = report(&s.db, Period::All, TopBy::Subscriptions);
    let top: Vec<(&str, Option<u64>)> = subs
        .top
        .iter()
        .map(|c| (c.id.as_str(), c.subscriptions))
        .collect();
    assert_eq!(
        top,
        vec![
            (s.a.as_str(), Some(1)),
            (s.b.as_str(), Some(1)),
            (s.c.as_str(), Some(1))
        ]
    );

    // An explicit range that holds only C's payment.
    let today = Utc::now().date_naive();
    let r = report(
        &s.db,
        Period::Between(today - Days::new(50), today - Days::new(40)),
        TopBy::Revenue,
    );
    assert_eq!(r.revenue, money("200000"));
    assert_eq!(r.new_customers, 0);
    assert_eq!(r.top.len(), 1);
    assert_eq!(r.top[0].id, s.c);
    // Every month of the range is on the chart.
    assert!(!r.monthly.is_empty());
}

#[test]
fn bad_ranges_are_validation_errors() {
    let (_dir, db) = shop();
    let today = Utc::now().date_naive();
    let err = analytics::analytics(
        db.conn(),
        &Query {
            period: Period::Between(today, today - Days::new(1)),
            top: TopBy::Revenue,
            today,
        },
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("from"));
    assert_eq!("2w".parse::<Period>().unwrap_err().field(), Some("range"));
    assert_eq!("price".parse::<TopBy>().unwrap_err().field(), Some("top"));
    // An empty shop: zeros, not errors.
    let r = analytics::analytics(
        db.conn(),
        &Query {
            period: Period::All,
            top: TopBy::Balance,
            today,
        },
    )
    .unwrap();
    assert_eq!(r.revenue, Money::from_minor(0));
    assert_eq!(r.average_revenue_per_customer, Money::from_minor(0));
    assert!(r.top.is_empty() && r.popular_tags.is_empty());
}
