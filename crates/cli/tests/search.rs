//! `pelanggan customer list` filters, sort orders and cursors, `pelanggan
//! stats` and `pelanggan gen`, in both output modes, on real database files.

mod common;

use common::Shop;

impl Shop {
    fn names(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec!["customer", "list"];
        all.extend_from_slice(args);
        self.ok(&all)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn shop() -> Shop {
    let shop = Shop::new();
    for args in [
        &[
            "--name",
            "Budi Santoso",
            "--whatsapp",
            "0812-3456-7890",
            "--email",
            "budi@example.co.id",
            "--tag",
            "VIP",
            "--tag",
            "Kantor",
        ][..],
        &[
            "--name",
            "Siti Aminah",
            "--whatsapp",
            "+62 813 1111 2222",
            "--initial-balance",
            "-50000",
            "--tag",
            "VIP",
        ],
        &[
            "--name",
            "Agus Salim",
            "--whatsapp",
            "0857 1234 5678",
            "--initial-balance",
            "25000",
            "--status",
            "inactive",
        ],
        &[
            "--name",
            "Dewi Lestari",
            "--whatsapp",
            "0878-8888-9999",
            "--initial-balance",
            "-150000",
            "--tag",
            "Kantor",
        ],
    ] {
        let mut all = vec!["customer", "add"];
        all.extend_from_slice(args);
        shop.ok(&all);
    }
    shop
}

#[test]
fn search_by_name_number_and_email() {
    let shop = shop();
    assert_eq!(shop.names(&["--search", "santo"]), ["Budi Santoso"]);
    assert_eq!(shop.names(&["--search", "0812 345"]), ["Budi Santoso"]);
    assert_eq!(shop.names(&["--search", "+62 813-1111"]), ["Siti Aminah"]);
    assert_eq!(shop.names(&["--search", "EXAMPLE.CO"]), ["Budi Santoso"]);
    // 1-2 characters: a word prefix.
    assert_eq!(
        shop.names(&["--search", "s", "--sort", "name"]),
        ["Agus Salim", "Budi Santoso", "Siti Aminah"]
    );
    assert_eq!(shop.names(&["--search", "le"]), ["Dewi Lestari"]);
    let page = shop.ok(&["customer", "list", "--search", "zzz"]);
    assert_eq!(
        (page["total"].as_u64(), page["total_pages"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(
        shop.text(&["customer", "list", "--search", "budi"])
            .contains("Budi Santoso")
    );
}

#[test]
fn filters_combine() {
    let shop = shop();
    // Debt first, then the most recently updated: Dewi was added last.
    assert_eq!(
        shop.names(&["--balance", "debt"]),
        ["Dewi Lestari", "Siti Aminah"]
    );
    assert_eq!(shop.names(&["--balance", "credit"]), ["Agus Salim"]);
    assert_eq!(shop.names(&["--balance-max", "-100000"]), ["Dewi Lestari"]);
    assert_eq!(
        shop.names(&[
            "--balance-min",
            "-60000",
            "--balance-max",
            "0",
            "--sort",
            "name"
        ]),
        ["Budi Santoso", "Siti Aminah"]
    );
    assert_eq!(
        shop.names(&["--tag", "vip", "--sort", "name"]),
        ["Budi Santoso", "Siti Aminah"]
    );
    assert_eq!(
        shop.names(&["--tag-all", "VIP", "--tag-all", "Kantor"]),
        ["Budi Santoso"]
    );
    assert_eq!(
        shop.names(&["--tag", "Kantor", "--balance", "debt"]),
        ["Dewi Lestari"]
    );
    assert_eq!(shop.names(&["--status", "inactive"]), ["Agus Salim"]);
    assert_eq!(
        shop.names(&["--unsubscribed", "--search", "agus"]),
        ["Agus Salim"]
    );
    assert!(shop.names(&["--subscribed"]).is_empty());
    assert_eq!(
        shop.names(&["--created-from", "2000-01-01", "--created-to", "2999-12-31"])
            .len(),
        4
    );
    assert!(shop.names(&["--created-to", "2000-01-01"]).is_empty());
    // Debt first, largest debt first by balance.
    assert_eq!(shop.names(&["--sort", "balance"])[0], "Dewi Lestari");
    assert_eq!(shop.names(&["--sort", "name-desc"])[0], "Siti Aminah");
}

#[test]
fn cursor_paging_walks_every_customer_once() {
    let shop = shop();
    let mut seen = Vec::new();
    let mut page = shop.ok(&["customer", "list", "--limit", "1", "--sort", "name"]);
    loop {
        seen.push(page["items"][0]["name"].as_str().unwrap().to_owned());
        assert_eq!(page["total"], 4);
        let Some(next) = page["next"].as_str().map(str::to_owned) else {
            break;
        };
        page = shop.ok(&[
            "customer", "list", "--limit", "1", "--sort", "name", "--after", &next,
        ]);
        if page["items"].as_array().unwrap().is_empty() {
            break;
        }
    }
    assert_eq!(
        seen,
        ["Agus Salim", "Budi Santoso", "Dewi Lestari", "Siti Aminah"]
    );
}

#[test]
fn bad_filter_values_name_the_field() {
    let shop = shop();
    for (args, field) in [
        (&["--balance", "owing"][..], "balance"),
        (&["--balance-min", "abc"], "balance_min"),
        (
            &["--balance-min", "10", "--balance-max", "5"],
            "balance_min",
        ),
        (&["--created-from", "2026-13-01"], "created_from"),
        (&["--sort", "richest"], "sort"),
        (&["--after", "nonsense"], "after"),
        (&["--status", "gone"], "status"),
    ] {
        let mut all = vec!["customer", "list"];
        all.extend_from_slice(args);
        let e = shop.err(&all, 1);
        let code = if args[1] == "abc" {
            "invalid_amount"
        } else {
            "validation"
        };
        assert_eq!(e["code"], code, "{args:?}");
        assert_eq!(e["field"], field, "{args:?}");
    }
    assert_eq!(
        shop.err(&["customer", "list", "--subscribed", "--unsubscribed"], 2)["code"],
        "usage"
    );
}

#[test]
fn stats_in_both_modes() {
    let shop = shop();
    let s = shop.ok(&["stats"]);
    assert_eq!(s["total_customers"], 4);
    assert_eq!(s["active"], 3);
    assert_eq!(s["with_debt"], 2);
    assert_eq!(s["total_debt"], "200000.00");
    assert_eq!(s["total_credit"], "25000.00");
    shop.ok(&["customer", "delete", "0878-8888-9999"]);
    let s = shop.ok(&["stats"]);
    assert_eq!(
        (s["total_customers"].as_u64(), s["deleted"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(s["total_debt"], "50000.00");
    assert!(shop.text(&["stats"]).contains("total debt"));
}

#[test]
fn gen_makes_a_searchable_shop_and_refuses_a_full_one() {
    let shop = Shop::new();
    let g = shop.ok(&["gen", "--customers", "300", "--seed", "7"]);
    assert_eq!(g["customers"], 300);
    let s = shop.ok(&["stats"]);
    let total = s["total_customers"].as_u64().unwrap() + s["deleted"].as_u64().unwrap();
    assert_eq!(total, 300);
    assert!(s["with_debt"].as_u64().unwrap() > 20, "{s}");
    let page = shop.ok(&["customer", "list", "--search", "08"]);
    assert!(page["total"].as_u64().unwrap() > 200);
    let e = shop.err(&["gen", "--customers", "10"], 1);
    assert_eq!(e["code"], "conflict");
}
