//! Property tests: every formatting of a valid number maps to one E.164 and
//! garbage never passes; and the ledger invariant holds after every step of
//! random sequences of every customer operation.

mod common;

use common::*;
use pelanggan_core::balance;
use pelanggan_core::customers::{self, CustomerPatch, NewCustomer, Status};
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::phone::{self, Region};
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Error, Money};
use proptest::prelude::*;

/// `cases` runs by default (the suite stays fast); PROPTEST_CASES=N asks for more.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------- phones

/// The national significant number of an Indonesian mobile: 8[1-5]x then 7 to 9 digits,
/// kept only when libphonenumber calls it valid.
fn national_mobile() -> impl Strategy<Value = String> {
    ("8[1-5][0-9]", "[0-9]{7,9}")
        .prop_map(|(prefix, rest)| format!("{prefix}{rest}"))
        .prop_filter("a valid Indonesian number", |n| {
            phone::parse(&format!("0{n}"), Region::INDONESIA).is_some()
        })
}

/// One way of typing `national`: trunk 0, 62, +62 (with or without a space),
/// optional parentheses around the area part, separators anywhere.
fn typed(national: &str, prefix: u8, parens: bool, cuts: &[(usize, u8)], pad: bool) -> String {
    let seps = [" ", "-", ".", "", "  ", " - "];
    let digits: Vec<char> = national.chars().collect();
    let area_len = 3;
    let mut body = String::new();
    for (i, d) in digits.iter().enumerate() {
        if i > 0 {
            if parens && i == area_len {
                body.push(')');
                body.push(' ');
            } else if let Some((_, sep)) = cuts.iter().find(|(at, _)| *at == i) {
                body.push_str(seps[usize::from(*sep) % seps.len()]);
            }
        }
        body.push(*d);
    }
    let head = match prefix % 5 {
        0 => "0",
        1 => "62",
        2 => "+62",
        3 => "+62 ",
        _ => "62 ",
    };
    let text = if parens {
        // "(0812) 3456...", "+62 (812) 3456..."
        if head == "0" {
            format!("(0{body}")
        } else {
            format!("{head}({body}")
        }
    } else {
        format!("{head}{body}")
    };
    if pad { format!("  {text} ") } else { text }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn every_formatting_of_a_valid_number_is_one_e164(
        national in national_mobile(),
        prefix in 0u8..5,
        parens in any::<bool>(),
        cuts in prop::collection::vec((1usize..12, any::<u8>()), 0..6),
        pad in any::<bool>(),
    ) {
        let expected = format!("+62{national}");
        let canonical = phone::parse(&format!("0{national}"), Region::INDONESIA).unwrap();
        prop_assert_eq!(canonical.as_str(), expected.as_str());
        let input = typed(&national, prefix, parens, &cuts, pad);
        let parsed = phone::parse(&input, Region::INDONESIA);
        prop_assert_eq!(parsed.as_ref().map(|e| e.as_str()), Some(expected.as_str()), "typed as {:?}", input);
    }

    #[test]
    fn text_with_a_letter_never_passes(
        before in "[0-9 +()-]{0,14}",
        letter in "[a-zA-Z]",
        after in "[0-9 +()-]{0,14}",
    ) {
        let input = format!("{before}{letter}{after}");
        prop_assert_eq!(phone::parse(&input, Region::INDONESIA), None, "{:?}", input);
    }

    #[test]
    fn too_few_digits_never_pass(
        digits in "[0-9]{1,5}",
        plus in any::<bool>(),
        sep in prop::sample::select(vec!["", " ", "-", "."]),
    ) {
        let spaced: Vec<String> = digits.chars().map(String::from).collect();
        let input = format!("{}{}", if plus { "+" } else { "" }, spaced.join(sep));
        prop_assert_eq!(phone::parse(&input, Region::INDONESIA), None, "{:?}", input);
    }

    /// `00` and a country code is read as `+` and the code, for any digits:
    /// never as the digits of a local number; another country is flagged.
    #[test]
    fn double_zero_is_the_international_prefix(digits in "[1-9][0-9]{6,13}") {
        let plus = phone::read(&format!("+{digits}"), Region::INDONESIA);
        let zeros = phone::read(&format!("00{digits}"), Region::INDONESIA);
        prop_assert_eq!(zeros.as_ref().map(|r| &r.number), plus.as_ref().map(|r| &r.number));
        // With +, the country was said; with 00, another one than the region's is flagged.
        prop_assert!(plus.is_none_or(|r| r.foreign.is_none()));
        if let Some(r) = zeros {
            prop_assert_eq!(r.foreign.is_some(), !r.number.as_str().starts_with("+62"), "{}", r.number);
            prop_assert!(r.foreign.is_none_or(|f| f.country != Some(Region::INDONESIA)));
        }
    }

    /// An Indonesian mobile typed after 0062 is the same number as typed
    /// with +62.
    #[test]
    fn an_indonesian_mobile_after_0062_is_itself(national in national_mobile(), space in any::<bool>()) {
        let input = format!("0062{}{national}", if space { " " } else { "" });
        let read = phone::read(&input, Region::INDONESIA).unwrap();
        prop_assert_eq!(read.number.as_str(), format!("+62{national}"));
        prop_assert!(read.kind.is_mobile());
        prop_assert_eq!(read.foreign, None);
    }

    /// Whatever is stored is a number libphonenumber calls valid; a number
    /// flagged as another country's was typed without +, and (but after 00)
    /// is not valid locally.
    #[test]
    fn nothing_invalid_is_stored_and_foreign_readings_are_flagged(
        head in prop::sample::select(vec!["", "0", "00", "+", "62", "+62", "60", "1", "251"]),
        digits in "[0-9]{4,13}",
    ) {
        let input = format!("{head}{digits}");
        if let Some(r) = phone::read(&input, Region::INDONESIA) {
            // (Parsed with a region: without one the crate misreads some
            // numbers of a shared country code, +7 811... among them.)
            let n = phonenumber::parse(Some(phonenumber::country::Id::ID), r.number.as_str()).unwrap();
            prop_assert!(n.is_valid(), "{:?} stored as {}", input, r.number);
            if let Some(abroad) = r.foreign {
                prop_assert!(!head.starts_with('+'), "{:?}", input);
                prop_assert_ne!(abroad.country, Some(Region::INDONESIA));
                let local = phonenumber::parse(Some(phonenumber::country::Id::ID), &input)
                    .is_ok_and(|n| n.is_valid());
                prop_assert!(input.starts_with("00") || !local, "{:?} is valid in Indonesia", input);
            }
        }
    }

    #[test]
    fn arbitrary_text_passes_only_as_a_real_number(input in "\\PC{0,30}") {
        if let Some(e) = phone::parse(&input, Region::INDONESIA) {
            // Whatever passes is E.164, and digits only: never stored as typed.
            prop_assert!(e.as_str().starts_with('+'));
            prop_assert!(e.as_str()[1..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(!input.chars().any(|c| c.is_alphabetic()));
            // And it parses back to itself.
            prop_assert_eq!(phone::parse(e.as_str(), Region::INDONESIA), Some(e.clone()));
        }
    }
}

// ---------------------------------------------------------------- ledger

const NUMBERS: [&str; 4] = [
    "0812-3456-7890",
    "0813-1111-2222",
    "0857-1234-5678",
    "0878-8888-9999",
];
const TAGS: [&str; 3] = ["VIP", "Gold", "Reseller"];

#[derive(Debug, Clone)]
enum Op {
    Add {
        number: usize,
        initial: i64,
        tags: Vec<usize>,
    },
    Credit {
        customer: usize,
        minor: i64,
    },
    Debit {
        customer: usize,
        minor: i64,
    },
    EditNumber {
        customer: usize,
        number: usize,
    },
    EditStatus {
        customer: usize,
        blacklisted: bool,
    },
    Delete {
        customer: usize,
    },
    Restore {
        customer: usize,
    },
    TagAdd {
        customer: usize,
        tag: usize,
    },
    TagRemove {
        customer: usize,
        tag: usize,
    },
}

fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => 1i64..=10_000_000,
        1 => Just(Money::MAX.minor()),
        1 => Just(Money::MAX.minor() - 1),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0usize..6; // an index into the customers made so far (wraps)
    prop_oneof![
        3 => (0usize..4, prop_oneof![Just(0i64), -5_000_000i64..5_000_000, amount()],
              prop::collection::vec(0usize..3, 0..3))
            .prop_map(|(number, initial, tags)| Op::Add { number, initial, tags }),
        4 => (who.clone(), amount()).prop_map(|(customer, minor)| Op::Credit { customer, minor }),
        4 => (who.clone(), amount()).prop_map(|(customer, minor)| Op::Debit { customer, minor }),
        1 => (who.clone(), 0usize..4).prop_map(|(customer, number)| Op::EditNumber { customer, number }),
        1 => (who.clone(), any::<bool>()).prop_map(|(customer, blacklisted)| Op::EditStatus { customer, blacklisted }),
        1 => who.clone().prop_map(|customer| Op::Delete { customer }),
        1 => who.clone().prop_map(|customer| Op::Restore { customer }),
        2 => (who.clone(), 0usize..3).prop_map(|(customer, tag)| Op::TagAdd { customer, tag }),
        1 => (who, 0usize..3).prop_map(|(customer, tag)| Op::TagRemove { customer, tag }),
    ]
}

/// What the model expects of one customer.
struct Model {
    id: String,
    balance: i64,
    deleted: bool,
}

/// Codes a random step may legitimately be refused with.
const EXPECTED_REFUSALS: [&str; 5] = [
    "duplicate_whatsapp",
    "conflict",
    "overflow",
    "duplicate_tag",
    "not_found",
];

fn apply(db: &mut Db, models: &mut Vec<Model>, op: &Op) -> Result<(), Error> {
    let pick = |models: &Vec<Model>, i: usize| -> Option<usize> {
        (!models.is_empty()).then(|| i % models.len())
    };
    match op {
        Op::Add {
            number,
            initial,
            tags,
        } => {
            let tags = tags
                .iter()
                .map(|t| TagInput::new(TAGS[*t], None))
                .collect::<Result<Vec<_>, _>>()?;
            let c = db.write(None, |w| {
                customers::add(
                    w,
                    NewCustomer {
                        name: format!("Customer {}", models.len()),
                        whatsapp: NUMBERS[*number].into(),
                        initial_balance: Some(Money::from_minor(*initial)),
                        tags,
                        ..Default::default()
                    },
                )
            })?;
            models.push(Model {
                id: c.id,
                balance: *initial,
                deleted: false,
            });
        }
        Op::Credit { customer, minor } | Op::Debit { customer, minor } => {
            let Some(i) = pick(models, *customer) else {
                return Ok(());
            };
            let id = models[i].id.clone();
            let credit = matches!(op, Op::Credit { .. });
            let amount = Money::from_minor(*minor);
            let entry = db.write(Some("admin"), |w| {
                if credit {
                    balance::credit(w, &id, amount, &EntryNote::new("credit"))
                } else {
                    balance::debit(w, &id, amount, &EntryNote::new("debit"))
                }
            })?;
            let signed = if credit { *minor } else { -*minor };
            assert_eq!(entry.previous_balance.minor(), models[i].balance);
            models[i].balance += signed;
            assert_eq!(entry.new_balance.minor(), models[i].balance);
        }
        Op::EditNumber { customer, number } => {
            let Some(i) = pick(models, *customer) else {
                return Ok(());
            };
            let id = models[i].id.clone();
            db.write(None, |w| {
                customers::edit(
                    w,
                    &id,
                    CustomerPatch {
                        whatsapp: Some(NUMBERS[*number].into()),
                        ..Default::default()
                    },
                )
            })?;
        }
        Op::EditStatus {
            customer,
            blacklisted,
        } => {
            let Some(i) = pick(models, *customer) else {
                return Ok(());
            };
            let id = models[i].id.clone();
            let status = if *blacklisted {
                Status::Blacklisted
            } else {
                Status::Active
            };
            db.write(None, |w| {
                customers::edit(
                    w,
                    &id,
                    CustomerPatch {
                        status: Some(status),
                        ..Default::default()
                    },
                )
            })?;
        }
        Op::Delete { customer } => {
            let Some(i) = pick(models, *customer) else {
                return Ok(());
            };
            let id = models[i].id.clone();
            db.write(None, |w| customers::delete(w, &id))?;
            models[i].deleted = true;
        }
        Op::Restore { customer } => {
            let Some(i) = pick(models, *customer) else {
                return Ok(());
            };
            let id = models[i].id.clone();
            db.write(None, |w| customers::restore(w, &id))?;
            models[i].deleted = false;
        }
        Op::TagAdd { customer, tag } => {
            let Some(i) = pick(models, *customer) else {
                return Ok(());
            };
            let id = models[i].id.clone();
            db.write(None, |w| {
                customers::add_tag(w, &id, &TagInput::new(TAGS[*tag], None)?)
            })?;
        }
        Op::TagRemove { customer, tag } => {
            let Some(i) = pick(models, *customer) else {
                return Ok(());
            };
            let id = models[i].id.clone();
            db.write(None, |w| customers::remove_tag(w, &id, TAGS[*tag]))?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn the_ledger_invariant_holds_after_every_step(ops in prop::collection::vec(op(), 1..40)) {
        let (_dir, mut db) = open();
        let mut models: Vec<Model> = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            let before = snapshot(&db);
            if let Err(e) = apply(&mut db, &mut models, op) {
                prop_assert!(EXPECTED_REFUSALS.contains(&e.code().as_str()), "step {} {:?}: unexpected {}", step, op, e);
                prop_assert_eq!(snapshot(&db), before, "step {} {:?}: a refusal changed the database", step, op);
            }
            assert_ledger_invariant(db.reader().unwrap());
            for m in &models {
                let c = get(&db, &m.id);
                prop_assert_eq!(c.balance.minor(), m.balance, "step {} {:?}", step, op);
                prop_assert_eq!(c.status == Status::Deleted, m.deleted, "step {} {:?}", step, op);
            }
            // Live customers never share a number.
            let dupes: i64 = db.conn().query_row(
                "SELECT count(*) FROM (SELECT whatsapp FROM customers WHERE status != 'deleted'
                                       GROUP BY whatsapp HAVING count(*) > 1)",
                [],
                |r| r.get(0),
            ).unwrap();
            prop_assert_eq!(dupes, 0, "step {} {:?}", step, op);
        }
    }
}
