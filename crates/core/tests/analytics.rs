//! Analytics on a small shop with known answers, built through the real
//! billing functions (subscriptions, invoices, payments, refunds).

mod billing_support;

use billing_support::{customer, money, shop, subscription};
use chrono::{Days, TimeZone, Utc};
use pelanggan_core::analytics::{self, Period, Query, TopBy};
use pelanggan_core::billing::{invoices, payments, subscriptions};
use pelanggan_core::customers;
use pelanggan_core::settings;
use pelanggan_core::tags::TagInput;
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
    let today = db.reader().unwrap().today();
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
            customers::add_tag(w, who, &TagInput::new(tag, None)?)?;
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

/// The (id, amount) rows of a query, in its order.
fn pairs(db: &Db, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Vec<(i64, i64)> {
    let mut stmt = db.conn().prepare(sql).unwrap();
    stmt.query_map(params, |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A second connection to the shop's file, as the report takes it.
fn reader(db: &Db) -> pelanggan_core::ReadConn {
    db.read_conn().unwrap()
}

fn report(db: &Db, period: Period, top: TopBy) -> analytics::Report {
    analytics::analytics(
        db.reader().unwrap(),
        &mut reader(db),
        &Query {
            period,
            top,
            today: db.reader().unwrap().today(),
        },
    )
    .unwrap()
}

#[test]
fn figures_of_the_last_30_days() {
    let s = build();
    let r = report(&s.db, Period::Days(30), TopBy::Revenue);
    let today = s.db.reader().unwrap().today();
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
    let today = s.db.reader().unwrap().today();
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
    let today = db.reader().unwrap().today();
    let err = analytics::analytics(
        db.reader().unwrap(),
        &mut reader(&db),
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
        db.reader().unwrap(),
        &mut reader(&db),
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

/// SplitMix64: the same steps for the same seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

/// The V7 rollups (per day, per subscriber, per tag) equal a recount from
/// the raw rows after every kind of write, refused ones included, and the
/// report read from them equals one after `repair` rewrote them.
#[test]
fn rollups_equal_a_recount_after_random_operations() {
    use pelanggan_core::billing::vouchers;
    use pelanggan_core::privacy;

    let (_dir, mut db) = shop();
    let today = db.reader().unwrap().today();
    let mut rng = Rng(0xa11c_e5ee_d000_0007);
    let mut people: Vec<String> = Vec::new();
    let mut subs: Vec<String> = Vec::new();
    let mut vouchers_made = 0;
    let tag_names = ["VIP", "Kos", "Warung", "Kantor"];
    let mut ops_done = [0usize; 16];
    for step in 0..400 {
        let op = if people.len() < 3 { 0 } else { rng.below(16) };
        let who = if people.is_empty() {
            String::new()
        } else {
            people[rng.below(people.len())].clone()
        };
        let days_ago = rng.below(70) as u64;
        let amount = money(&format!("{}", 10_000 * (1 + rng.below(30))));
        let pick_sub =
            |rng: &mut Rng| (!subs.is_empty()).then(|| subs[rng.below(subs.len())].clone());
        let sub = pick_sub(&mut rng);
        let n = step;
        let result = db.write(None, |w| -> pelanggan_core::Result<()> {
            match op {
                0 => {
                    let c = customers::add(
                        w,
                        customers::NewCustomer {
                            name: format!("Pelanggan {n}"),
                            whatsapp: format!("0812{:08}", 10_000 + n),
                            tags: vec![TagInput::new(tag_names[n % 4], None)?],
                            ..customers::NewCustomer::default()
                        },
                    )?;
                    people.push(c.id);
                }
                1 => {
                    customers::delete(w, &who)?;
                }
                2 => {
                    customers::restore(w, &who)?;
                }
                3 => {
                    customers::add_tag(w, &who, &TagInput::new(tag_names[n % 4], None)?)?;
                }
                4 => {
                    customers::remove_tag(w, &who, tag_names[n % 4])?;
                }
                5 => {
                    let s = subscriptions::add(
                        w,
                        &who,
                        subscriptions::NewSubscription {
                            kind: subscriptions::ServiceType::Hotspot,
                            username: format!("user{n}"),
                            profile: "5M".into(),
                            price: amount,
                            cycle: Some(subscriptions::Cycle::Weekly),
                            start: today - Days::new(days_ago),
                        },
                    )?;
                    subs.push(s.id);
                }
                6 => {
                    subscriptions::suspend(w, sub.as_deref().unwrap_or("none"))?;
                }
                7 => {
                    subscriptions::resume(w, sub.as_deref().unwrap_or("none"), today)?;
                }
                8 => {
                    subscriptions::cancel(w, sub.as_deref().unwrap_or("none"))?;
                }
                9 => {
                    invoices::issue_due(w, today - Days::new(days_ago / 3))?;
                }
                10 | 11 => {
                    payments::record(
                        w,
                        &who,
                        amount,
                        payments::NewPayment {
                            received_at: Some(Utc::now() - chrono::Duration::days(days_ago as i64)),
                            ..payments::NewPayment::default()
                        },
                    )?;
                }
                12 => {
                    let list =
                        payments::list(w.reader(), &payments::PaymentQuery::default())?.items;
                    if let Some(p) = list.get(rng.below(list.len().max(1))) {
                        payments::refund(w, &p.id)?;
                    }
                }
                13 => {
                    let list =
                        invoices::list(w.reader(), &invoices::InvoiceQuery::default())?.items;
                    if let Some(i) = list.get(rng.below(list.len().max(1))) {
                        invoices::void(w, &i.number)?;
                    }
                }
                14 => {
                    vouchers_made += 1;
                    let code = format!("V{vouchers_made}");
                    vouchers::add(
                        w,
                        vouchers::NewVoucher {
                            code: code.clone(),
                            profile: "1 day".into(),
                            price: amount,
                        },
                    )?;
                    vouchers::sell(
                        w,
                        &code,
                        vouchers::SellVoucher {
                            // One in three over the counter (walk-in revenue).
                            customer: (n % 3 != 0).then(|| who.clone()),
                            ..vouchers::SellVoucher::default()
                        },
                    )?;
                }
                _ => {
                    if rng.below(4) == 0 {
                        privacy::erase(w, &who, true, privacy::Confirm::Yes)?;
                    } else {
                        privacy::anonymise(w, &who, privacy::Confirm::Yes)?;
                    }
                }
            }
            Ok(())
        });
        if result.is_ok() {
            ops_done[op] += 1;
        }
        assert_eq!(
            analytics::rollups(db.conn()).unwrap(),
            analytics::recount(db.conn()).unwrap(),
            "after step {step} (op {op}: {result:?})"
        );
    }
    assert!(
        ops_done.iter().all(|n| *n > 0),
        "every kind of write ran: {ops_done:?}"
    );
    let r = analytics::recount(db.conn()).unwrap();
    assert!(!r.buckets.is_empty() && !r.subscribers.is_empty() && !r.tags.is_empty());
    assert!(r.buckets.iter().any(|b| b.5 > 0), "a walk-in voucher sale");

    // A raw write through another connection (another program) is followed too.
    let other = rusqlite::Connection::open(db.path()).unwrap();
    other
        .execute_batch(
            "UPDATE customers SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = 2;
             UPDATE payments SET received_at = '2020-02-01T00:00:00.000Z' WHERE id = 1;
             UPDATE invoices SET issued_at = '2020-03-01T00:00:00.000Z' WHERE id = 1;",
        )
        .unwrap();
    assert_eq!(
        analytics::rollups(db.conn()).unwrap(),
        analytics::recount(db.conn()).unwrap()
    );

    // The report equals the definitions (module doc of analytics.rs) counted
    // the slow way from the raw rows, with the days of the shop's time zone
    // (two zones, one with summer time: a change of zone rewrites nothing).
    for (zone, period) in ["Asia/Jakarta", "America/New_York"]
        .into_iter()
        .flat_map(|z| {
            [
                Period::Days(7),
                Period::Days(30),
                Period::Days(90),
                Period::All,
            ]
            .map(|p| (z, p))
        })
    {
        db.write(None, |w| settings::set(w, settings::Key::TimeZone, zone))
            .unwrap();
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        // Local midnight of a day, in UTC, as stored timestamps are written.
        let midnight = |d: chrono::NaiveDate| {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
                .earliest()
                .unwrap()
                .with_timezone(&Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        let r = report(&db, period, TopBy::Revenue);
        assert_eq!(r.time_zone, zone);
        let start = r.from.map(midnight).unwrap_or_default();
        let end = midnight(r.to + Days::new(1));
        let cutoff = midnight(r.to - Days::new(29));
        let conn = db.conn();
        let one = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> i64 {
            conn.query_row(sql, p, |row| row.get(0)).unwrap()
        };
        assert_eq!(
            r.new_customers as i64,
            one(
                "SELECT count(*) FROM customers WHERE created_at >= ?1 AND created_at < ?2",
                &[&start, &end]
            )
        );
        let walk_in = one(
            "SELECT coalesce(sum(price), 0) FROM vouchers WHERE status = 'sold'
             AND customer_id IS NULL AND sold_at >= ?1 AND sold_at < ?2",
            &[&start, &end],
        );
        assert_eq!(r.voucher_sales.minor(), walk_in, "{period:?}");
        assert_eq!(
            r.revenue.minor(),
            one(
                "SELECT coalesce(sum(amount), 0) FROM payments WHERE status = 'success'
                 AND received_at >= ?1 AND received_at < ?2",
                &[&start, &end]
            ) + walk_in,
            "{period:?}"
        );
        let monthly: i64 = r.monthly.iter().map(|m| m.revenue.minor()).sum();
        assert_eq!(monthly, r.revenue.minor());
        assert_eq!(
            r.payments as i64,
            one(
                "SELECT count(*) FROM payments WHERE status = 'success'
                 AND received_at >= ?1 AND received_at < ?2",
                &[&start, &end]
            )
        );
        assert_eq!(
            r.unpaid_invoiced.minor(),
            one(
                "SELECT coalesce(sum(total - amount_allocated), 0) FROM invoices
                 WHERE voided_at IS NULL AND issued_at >= ?1 AND issued_at < ?2",
                &[&start, &end]
            )
        );
        assert_eq!(
            r.active_subscribers as i64,
            one(
                "SELECT count(*) FROM customers c WHERE c.status != 'deleted' AND EXISTS
                 (SELECT 1 FROM subscriptions s WHERE s.customer_id = c.id AND s.status = 'active')",
                &[]
            )
        );
        assert_eq!(
            r.churned as i64,
            one(
                "SELECT count(*) FROM customers c WHERE c.status != 'deleted'
                 AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = c.id)
                 AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = c.id AND s.status = 'active')
                 AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.customer_id = c.id AND p.status = 'success'
                                 AND p.received_at >= ?1 AND p.received_at < ?2)",
                &[&cutoff, &end]
            )
        );
        let expected = pairs(
            &db,
            "SELECT c.id, sum(p.amount) AS s FROM payments p JOIN customers c ON c.id = p.customer_id
             WHERE p.status = 'success' AND c.status != 'deleted'
               AND p.received_at >= ?1 AND p.received_at < ?2
             GROUP BY c.id ORDER BY s DESC, c.id LIMIT 10",
            &[&start, &end],
        );
        let got: Vec<(i64, i64)> = r
            .top
            .iter()
            .map(|c| (c.local_id, c.amount.unwrap().minor()))
            .collect();
        // All time, the top list is by total spent: the same sums.
        assert_eq!(got, expected, "{period:?}");
        assert!(!got.is_empty());
    }

    for (top, sql) in [
        (
            TopBy::Balance,
            "SELECT id, balance FROM customers WHERE status != 'deleted' AND balance != 0
             ORDER BY abs(balance) DESC, id LIMIT 10",
        ),
        (
            TopBy::Subscriptions,
            "SELECT c.id, count(*) AS n FROM subscriptions s JOIN customers c ON c.id = s.customer_id
             WHERE c.status != 'deleted' GROUP BY c.id ORDER BY n DESC, c.id LIMIT 10",
        ),
    ] {
        let r = report(&db, Period::All, top);
        let expected = pairs(&db, sql, &[]);
        let got: Vec<(i64, i64)> = r
            .top
            .iter()
            .map(|c| {
                let n = c.amount.map(|a| a.minor());
                (c.local_id, n.unwrap_or(c.subscriptions.unwrap_or(0) as i64))
            })
            .collect();
        assert_eq!(got, expected, "{top:?}");
        assert!(!got.is_empty());
    }

    // The report from the rollups equals the report after a repair, and the
    // repair mends rollups that drifted.
    let before: Vec<_> = [Period::Days(7), Period::Days(30), Period::All]
        .into_iter()
        .flat_map(|p| {
            [TopBy::Revenue, TopBy::Subscriptions, TopBy::Balance].map(|t| report(&db, p, t))
        })
        .collect();
    // Raw SQL on a second connection: the Db's writes only in Db::write.
    rusqlite::Connection::open(db.path())
        .unwrap()
        .execute_batch(
            "UPDATE analytics_buckets SET revenue = revenue + 1;
             UPDATE analytics_days SET owed = owed - 1;
             UPDATE subscriber_rollup SET active = 7;
             DELETE FROM tag_customer_counts;",
        )
        .unwrap();
    assert_ne!(
        analytics::rollups(db.conn()).unwrap(),
        analytics::recount(db.conn()).unwrap()
    );
    let repaired = db.write(None, analytics::repair).unwrap();
    assert_eq!(repaired, analytics::recount(db.conn()).unwrap());
    let after: Vec<_> = [Period::Days(7), Period::Days(30), Period::All]
        .into_iter()
        .flat_map(|p| {
            [TopBy::Revenue, TopBy::Subscriptions, TopBy::Balance].map(|t| report(&db, p, t))
        })
        .collect();
    assert_eq!(before, after);
}

/// The generator sums the rollups once at the end (its triggers dropped
/// while it fills): they equal a recount, and the triggers are back.
#[test]
fn a_generated_shop_has_exact_rollups_and_its_triggers() {
    let (_dir, mut db) = shop();
    pelanggan_core::generate::generate(
        &mut db,
        &pelanggan_core::generate::GenOptions {
            customers: 2_000,
            seed: 3,
        },
        |_| {},
        &pelanggan_core::progress::Cancel::new(),
    )
    .unwrap();
    let counted = analytics::recount(db.conn()).unwrap();
    assert_eq!(analytics::rollups(db.conn()).unwrap(), counted);
    assert!(counted.subscribers.len() > 1_000 && counted.buckets.len() > 300);
    let c = customer(&mut db, "Baru Sekali", "0812-9999-0001");
    let today = db.reader().unwrap().today().format("%Y-%m-%d").to_string();
    subscription(
        &mut db,
        &c,
        "baru",
        "100000",
        subscriptions::Cycle::Monthly,
        &today,
    );
    db.write(None, |w| {
        payments::record(w, &c, money("5000"), payments::NewPayment::default())
    })
    .unwrap();
    assert_eq!(
        analytics::rollups(db.conn()).unwrap(),
        analytics::recount(db.conn()).unwrap()
    );
    let r = report(&db, Period::Days(30), TopBy::Revenue);
    assert!(r.active_subscribers > 1_000 && r.revenue.minor() > 0);
}
