//! Tags: one name and one colour across the shop, attached to customers
//! through a join table (at most once per customer). A tag gets its colour
//! when it is made; only `set_color` changes it: a colour given when tagging
//! with an existing tag is kept out, with a `tag_color_kept` warning.
//!
//! Ids are derived so that two desks converge: a tag's uuid is UUIDv5 of its
//! lower-cased name, a link's uuid is UUIDv5(customer uuid, tag uuid).
//!
//! Owns the shop's tags and the customer-tag links, on a resolved `&Handle`.
//! Must not know what a customer reference means: tagging by reference is
//! `customers::add_tag`/`remove_tag`.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::customers::model::TagView;
use crate::customers::model::{Customer, Handle};
use crate::db::{Change, ChangeOp, Reader, Write};
use crate::error::{Error, Result};
use crate::validate;
use crate::warning::Warning;
pub use crate::wire::{ActivityEvent, CustomerTagRecord, Entity, TagRecord};

pub const NAME_MAX: usize = 50;
pub const DEFAULT_COLOR: &str = "#007bff";

/// Namespace for tag ids (a fixed random UUID: never change it).
const TAG_NAMESPACE: Uuid = Uuid::from_u128(0x3b6f_1d2a_8c4e_4f0b_9a55_6e21_c7d0_4b19);

/// A `#rrggbb` colour, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct TagColor(String);

impl From<TagColor> for String {
    fn from(c: TagColor) -> String {
        c.0
    }
}

impl TryFrom<String> for TagColor {
    type Error = Error;
    fn try_from(text: String) -> Result<TagColor> {
        TagColor::parse(&text)
    }
}

impl TagColor {
    pub fn parse(input: &str) -> Result<TagColor> {
        let text = input.trim();
        let ok = text.len() == 7
            && text.starts_with('#')
            && text[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(Error::validation(
                "color",
                format!("'{text}' is not a colour of the form #RRGGBB"),
            ));
        }
        Ok(TagColor(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tag as typed: `VIP`, or `VIP:#ffaa00` to give a new tag its colour.
/// JSON: `{"name": "VIP", "color": "#ffaa00"}` (the colour may be left out);
/// the name's rules are applied again when it is written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TagInput {
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub color: Option<TagColor>,
}

impl TagInput {
    pub fn new(name: &str, color: Option<&str>) -> Result<TagInput> {
        let name = validate::name("tag", name, NAME_MAX)?;
        // These separate tags in one CSV cell; inside a name they would split it.
        if name.contains([',', ';', '|']) {
            return Err(Error::validation(
                "tag",
                format!("'{name}' contains ',', ';' or '|', which separate tags in CSV files"),
            ));
        }
        Ok(TagInput {
            name,
            color: color.map(TagColor::parse).transpose()?,
        })
    }

    /// Reads `NAME` or `NAME:#RRGGBB`.
    pub fn parse(spec: &str) -> Result<TagInput> {
        match spec.rsplit_once(':') {
            Some((name, color)) if color.trim_start().starts_with('#') => {
                TagInput::new(name, Some(color))
            }
            _ => TagInput::new(spec, None),
        }
    }
}

/// A tag of the shop with how many live customers carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TagUsage {
    pub id: String,
    pub name: String,
    pub color: String,
    pub count: u32,
}

/// Removes the tag `name` from `customer` in the caller's transaction
/// (`customers::remove_tag` is the use case by reference).
pub(crate) fn detach(w: &mut Write<'_>, customer: &Handle, name: &str) -> Result<()> {
    let name = validate::name("tag", name, NAME_MAX)?;
    let link: Option<(String, i64, i64, String)> = w
        .query_row(
            "SELECT ct.uuid, ct.tag_id, ct.causal_length, t.name FROM customer_tags ct
             JOIN tags t ON t.id = ct.tag_id
             WHERE ct.customer_id = ?1 AND t.name = ?2 AND ct.causal_length % 2 = 1",
            params![customer.id(), name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((link_uuid, tag_id, causal_length, tag_name)) = link else {
        return Err(Error::not_found("tag on this customer", name));
    };
    w.exec(
        "UPDATE customer_tags SET causal_length = ?3 WHERE customer_id = ?1 AND tag_id = ?2",
        params![customer.id(), tag_id, causal_length + 1],
    )?;
    touch(w, customer.id())?;
    w.record_change(
        Entity::CustomerTag,
        &link_uuid,
        ChangeOp::Delete,
        Some("causal_length"),
        Some(&json!(causal_length + 1)),
    )?;
    w.record_activity(
        customer.id(),
        &ActivityEvent::TagRemoved {
            tag: tag_name.into(),
        },
    )
}

/// Checks a new customer's tags before anything is written: each name valid,
/// none twice (names compare case-insensitively).
pub(crate) fn checked(inputs: &[TagInput]) -> Result<Vec<TagInput>> {
    let mut out: Vec<TagInput> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let tag = TagInput {
            color: input.color.clone(),
            ..TagInput::new(&input.name, None)?
        };
        if out
            .iter()
            .any(|t| t.name.to_lowercase() == tag.name.to_lowercase())
        {
            return Err(Error::DuplicateTag { tag: tag.name });
        }
        out.push(tag);
    }
    Ok(out)
}

/// Attaches checked tags to customers that `customers::insert_checked_all`
/// has just created: they have no links yet, and their creation's activity
/// entries name the tags. Each distinct tag is looked up (or made) once.
pub(crate) fn attach_new_all(w: &mut Write<'_>, links: &[(&Handle, &TagInput)]) -> Result<()> {
    let mut known: HashMap<String, Tag> = HashMap::new();
    let mut rows = Vec::with_capacity(links.len());
    for (customer, input) in links {
        let key = input.name.to_lowercase();
        let tag = match known.get(&key) {
            Some(tag) => {
                // Known from an earlier link: its colour stays, another one
                // given warns (once per colour: `warn` keeps one of each).
                warn_if_recoloured(w, tag, input);
                (tag.id, tag.uuid)
            }
            None => {
                let tag = upsert_tag(w, input)?;
                let ids = (tag.id, tag.uuid);
                known.insert(key, tag);
                ids
            }
        };
        rows.push((*customer, tag.0, tag.1));
    }
    insert_links(w, &rows)
}

/// Writes new links (customer, tag id, tag uuid) and their change-log rows.
fn insert_links(w: &mut Write<'_>, links: &[(&Handle, i64, Uuid)]) -> Result<()> {
    let now = w.now().to_owned();
    let rows = links
        .iter()
        .map(|(customer, tag_id, tag_uuid)| {
            Ok((
                *customer,
                *tag_id,
                *tag_uuid,
                link_uuid(customer, *tag_uuid)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    w.insert_rows(
        "customer_tags (customer_id, tag_id, uuid, causal_length, created_at)",
        5,
        &rows,
        |row, (customer, tag_id, _, link)| {
            row.bind(customer.id())?;
            row.bind(tag_id)?;
            row.bind(link.as_str())?;
            row.bind(1)?;
            row.bind(now.as_str())
        },
    )?;
    let changes: Vec<Change<'_>> = rows
        .iter()
        .map(|(customer, _, tag_uuid, link)| {
            let row = CustomerTagRecord {
                customer_id: customer.uuid().into(),
                tag_id: *tag_uuid,
                causal_length: 1,
                created_at: now.as_str().into(),
            };
            Change::inserted(Entity::CustomerTag, link, &row)
        })
        .collect::<Result<_>>()?;
    w.record_changes(&changes)
}

fn link_uuid(customer: &Handle, tag_uuid: Uuid) -> Result<String> {
    link_id(customer.uuid(), tag_uuid)
}

/// The uuid of the link of a customer (by uuid) and a tag: the same on
/// every desk that makes it.
pub(crate) fn link_id(customer_uuid: &str, tag_uuid: Uuid) -> Result<String> {
    let customer_uuid = Uuid::parse_str(customer_uuid)
        .map_err(|e| Error::internal(format!("stored customer id: {e}")))?;
    Ok(Uuid::new_v5(&customer_uuid, tag_uuid.as_bytes()).to_string())
}

/// Attaches a tag (creating it shop-wide if new) in the caller's transaction.
/// A colour given for an existing tag is not applied (a warning says so).
pub(crate) fn attach(w: &mut Write<'_>, customer: &Handle, input: &TagInput) -> Result<()> {
    // TagInput's fields are public, so a caller may have skipped `TagInput::new`:
    // apply its name rules again rather than store a blank or over-long name.
    let input = &TagInput {
        name: TagInput::new(&input.name, None)?.name,
        color: input.color.clone(),
    };
    let Tag {
        id: tag_id,
        uuid: tag_uuid,
        name,
        ..
    } = upsert_tag(w, input)?;
    let existing: Option<i64> = w
        .query_row(
            "SELECT causal_length FROM customer_tags WHERE customer_id = ?1 AND tag_id = ?2",
            params![customer.id(), tag_id],
            |r| r.get(0),
        )
        .optional()?;
    match existing {
        Some(cl) if cl % 2 == 1 => return Err(Error::DuplicateTag { tag: name }),
        Some(cl) => {
            w.exec(
                "UPDATE customer_tags SET causal_length = ?3 WHERE customer_id = ?1 AND tag_id = ?2",
                params![customer.id(), tag_id, cl + 1],
            )?;
            w.record_change(
                Entity::CustomerTag,
                &link_uuid(customer, tag_uuid)?,
                ChangeOp::Restore,
                Some("causal_length"),
                Some(&json!(cl + 1)),
            )?;
        }
        None => insert_links(w, &[(customer, tag_id, tag_uuid)])?,
    }
    touch(w, customer.id())?;
    w.record_activity(customer.id(), &ActivityEvent::TagAdded { tag: name.into() })
}

/// A tag of the shop as the write paths need it.
pub(crate) struct Tag {
    pub(crate) id: i64,
    uuid: Uuid,
    name: String,
    color: String,
}

/// Finds or creates the shop's tag. A new tag takes the given colour (else
/// the default); an existing one keeps its own, warning when another was given.
fn upsert_tag(w: &mut Write<'_>, input: &TagInput) -> Result<Tag> {
    if let Some(tag) = find(w.tx(), &input.name)? {
        warn_if_recoloured(w, &tag, input);
        return Ok(tag);
    }
    let uuid = Uuid::new_v5(&TAG_NAMESPACE, input.name.to_lowercase().as_bytes());
    let color = input
        .color
        .as_ref()
        .map_or(DEFAULT_COLOR, TagColor::as_str)
        .to_owned();
    w.exec(
        "INSERT INTO tags (uuid, name, color, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![uuid.to_string(), input.name, color, w.now()],
    )?;
    let id = w.tx().last_insert_rowid();
    let now = w.now().to_owned();
    let record = TagRecord {
        name: input.name.as_str().into(),
        color: color.as_str().into(),
        created_at: now.as_str().into(),
    };
    w.record_insert(Entity::Tag, &uuid.to_string(), &record)?;
    Ok(Tag {
        id,
        uuid,
        name: input.name.clone(),
        color,
    })
}

/// The shop's tag named `name` (case-insensitively), if any.
pub(crate) fn find(conn: &Connection, name: &str) -> Result<Option<Tag>> {
    let found: Option<(i64, String, String, String)> = conn
        .prepare_cached("SELECT id, uuid, name, color FROM tags WHERE name = ?1")?
        .query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    found
        .map(|(id, uuid, name, color)| {
            let uuid = Uuid::parse_str(&uuid)
                .map_err(|e| Error::internal(format!("stored tag id: {e}")))?;
            Ok(Tag {
                id,
                uuid,
                name,
                color,
            })
        })
        .transpose()
}

/// `tag_color_kept`: the input gives an existing tag another colour.
fn warn_if_recoloured(w: &mut Write<'_>, tag: &Tag, input: &TagInput) {
    if let Some(given) = input.color.as_ref().filter(|c| c.as_str() != tag.color) {
        w.warn(Warning::new(
            "tag_color_kept",
            Some("color"),
            format!(
                "tag '{}' keeps its colour {} ({given} was given); a tag's colour changes \
                 for the whole shop only with `tag color {} {given}`",
                tag.name,
                tag.color,
                tag.name,
                given = given.as_str(),
            ),
        ));
    }
}

/// Changes a tag's colour for the whole shop (`pelanggan tag color`).
pub fn set_color(w: &mut Write<'_>, name: &str, color: &TagColor) -> Result<TagUsage> {
    let name = validate::name("tag", name, NAME_MAX)?;
    let tag = find(w.tx(), &name)?.ok_or_else(|| Error::not_found("tag", &name))?;
    if tag.color != color.as_str() {
        w.exec(
            "UPDATE tags SET color = ?2 WHERE id = ?1",
            params![tag.id, color.as_str()],
        )?;
        w.record_change(
            Entity::Tag,
            &tag.uuid.to_string(),
            ChangeOp::Update,
            Some("color"),
            Some(&json!(color)),
        )?;
    }
    list(w.reader(), false)?
        .into_iter()
        .find(|t| t.id == tag.uuid.to_string())
        .ok_or_else(|| Error::not_found("tag", &name))
}

fn touch(w: &Write<'_>, customer_id: i64) -> Result<()> {
    w.exec(
        "UPDATE customers SET updated_at = ?2 WHERE id = ?1",
        params![customer_id, w.now()],
    )?;
    Ok(())
}

/// Every tag of the shop with its count of live customers, by name; or, when
/// `popular`, the 20 most used first.
pub fn list(r: Reader<'_>, popular: bool) -> Result<Vec<TagUsage>> {
    let conn = r.conn();
    let order = if popular {
        "count DESC, t.name LIMIT 20"
    } else {
        "t.name"
    };
    let mut stmt = conn.prepare(&format!(
        // The counts are the rollup V7's triggers keep (a recount per tag
        // scanned every link: a second per call at a million customers).
        "SELECT t.uuid, t.name, t.color, coalesce(n.customers, 0) AS count
         FROM tags t LEFT JOIN tag_customer_counts n ON n.tag_id = t.id ORDER BY {order}"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(TagUsage {
            id: r.get(0)?,
            name: r.get(1)?,
            color: r.get(2)?,
            count: r.get(3)?,
        })
    })?;
    let mut tags = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    if popular {
        tags.retain(|t| t.count > 0);
    }
    Ok(tags)
}

pub(crate) fn of_customer(conn: &Connection, customer_id: i64) -> Result<Vec<TagView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.name, t.color FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id
         WHERE ct.customer_id = ?1 AND ct.causal_length % 2 = 1 ORDER BY t.name",
    )?;
    let rows = stmt.query_map([customer_id], |r| {
        Ok(TagView {
            name: r.get(0)?,
            color: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Fills in the tags of a page of customers.
pub(crate) fn fill(conn: &Connection, customers: &mut [Customer]) -> Result<()> {
    for c in customers {
        c.tags = of_customer(conn, c.local_id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(TagColor::parse("#FFaa00").unwrap().as_str(), "#ffaa00");
        for bad in ["#gold", "ffaa00", "#ffaa0", "#ffaa000", "#blue", ""] {
            assert_eq!(
                TagColor::parse(bad).unwrap_err().field(),
                Some("color"),
                "{bad}"
            );
        }
    }

    #[test]
    fn tag_specs() {
        let t = TagInput::parse("VIP:#ffaa00").unwrap();
        assert_eq!(
            (t.name.as_str(), t.color.unwrap().as_str()),
            ("VIP", "#ffaa00")
        );
        assert_eq!(TagInput::parse("Jl. 5:30").unwrap().name, "Jl. 5:30");
        assert_eq!(
            TagInput::parse("VIP:#gold").unwrap_err().code(),
            "validation"
        );
        assert_eq!(
            TagInput::parse(&"x".repeat(51)).unwrap_err().field(),
            Some("tag")
        );
    }
}
