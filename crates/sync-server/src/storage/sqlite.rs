//! The embedded backend: one SQLite file (WAL), one writer connection behind a
//! mutex and a few read-only connections, all used on tokio's blocking threads.
//!
//! Why one writer: SQLite takes one writer at a time anyway; holding it in a
//! mutex turns `BEGIN IMMEDIATE` waits into a queue in this process, while the
//! busy timeout still covers another process (the CLI's `invite` beside a
//! running server). Readers never wait for the writer (WAL). `synchronous =
//! FULL`: a push is acknowledged only once its commit is on disk.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use pelanggan_sync_protocol::{Change, DeviceInfo, Hlc, Op, PullResponse, PushResponse, Seq};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use super::{
    Compacted, DeviceAuth, DeviceStatus, LAST_SEEN_GRANULARITY_MS, Pairing, Rotated, Rotation,
    ShopDevice, Storage, check_horizon, pull_page,
};
use crate::error::{Error, Result};
use crate::tokens::Hash;

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

/// Read connections kept open between requests (more are opened under load
/// and closed after).
const IDLE_READERS: usize = 4;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

/// A poisoned lock only means a panic happened while it was held; the
/// connection's transaction was rolled back when it unwound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SqliteStorage {
    /// Opens (creating it if needed) the file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStorage> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut writer = Connection::open(&path)?;
            writer.busy_timeout(BUSY_TIMEOUT)?;
            writer.pragma_update(None, "journal_mode", "WAL")?;
            writer.pragma_update(None, "synchronous", "FULL")?;
            writer.pragma_update(None, "foreign_keys", true)?;
            embedded::migrations::runner()
                .run(&mut writer)
                .map_err(Error::storage)?;
            Ok(SqliteStorage {
                inner: Arc::new(Inner {
                    path,
                    writer: Mutex::new(writer),
                    readers: Mutex::new(Vec::new()),
                }),
            })
        })
        .await
        .map_err(Error::storage)?
    }

    async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || work(&mut lock(&inner.writer)))
            .await
            .map_err(Error::storage)?
    }

    async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = lock(&inner.readers).pop();
            let mut conn = match pooled {
                Some(conn) => conn,
                None => {
                    let conn = Connection::open_with_flags(
                        &inner.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.busy_timeout(BUSY_TIMEOUT)?;
                    conn
                }
            };
            let result = work(&mut conn);
            let mut idle = lock(&inner.readers);
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(Error::storage)?
    }
}

fn uuid_from(text: String) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

const DEVICE_COLUMNS: &str = "s.name, d.device_id, d.name, d.paired_at, d.last_seen_at, \
     d.revoked_at, d.last_pushed_hlc, d.replaced_by";

fn device_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ShopDevice> {
    Ok(ShopDevice {
        shop: row.get(0)?,
        info: DeviceInfo {
            device_id: uuid_from(row.get(1)?)?,
            name: row.get(2)?,
            paired_at: row.get(3)?,
            last_seen_at: row.get(4)?,
            revoked_at: row.get(5)?,
            last_pushed_hlc: row.get::<_, Option<i64>>(6)?.map(Hlc),
            replaced_by: row
                .get::<_, Option<String>>(7)?
                .map(uuid_from)
                .transpose()?,
        },
    })
}

/// The devices `device` replaced, directly or through others.
fn replaced_by(conn: &Connection, shop_id: i64, device: &str) -> Result<Vec<Uuid>> {
    let mut select = conn.prepare_cached(
        "WITH RECURSIVE chain (id) AS (
           SELECT device_id FROM devices WHERE shop = ?1 AND replaced_by = ?2
           UNION
           SELECT d.device_id FROM devices d JOIN chain c ON d.replaced_by = c.id
           WHERE d.shop = ?1)
         SELECT id FROM chain",
    )?;
    let ids = select
        .query_map(params![shop_id, device], |row| uuid_from(row.get(0)?))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

fn change_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Change)> {
    let op: String = row.get(5)?;
    let op = Op::from_str(&op).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, e.into())
    })?;
    Ok((
        row.get(0)?,
        Change {
            device: uuid_from(row.get(1)?)?,
            hlc: Hlc(row.get(2)?),
            entity: row.get(3)?,
            entity_id: row.get(4)?,
            op,
            field: row.get(6)?,
            value: row.get(7)?,
            schema: row.get(8)?,
        },
    ))
}

/// The shop's `(next_seq, horizon)`.
fn shop_counters(conn: &Connection, shop_id: i64) -> Result<(i64, i64)> {
    conn.query_row(
        "SELECT next_seq, horizon FROM shops WHERE id = ?1",
        [shop_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| Error::Storage(format!("shop {shop_id} is gone")))
}

impl Storage for SqliteStorage {
    async fn create_invite(
        &self,
        shop: &str,
        code_hash: Hash,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()> {
        let shop = shop.to_string();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO shops (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
                params![shop, now_ms],
            )?;
            tx.execute(
                "INSERT INTO invites (code_hash, shop, created_at, expires_at)
                 SELECT ?1, id, ?2, ?3 FROM shops WHERE name = ?4",
                params![&code_hash[..], now_ms, expires_at_ms, shop],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn pair(&self, p: Pairing) -> Result<String> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // One statement both checks and uses the code, so it pairs once.
            let shop_id: i64 = tx
                .query_row(
                    "UPDATE invites SET used_at = ?1, used_by = ?2
                     WHERE code_hash = ?3 AND used_at IS NULL AND expires_at > ?1
                     RETURNING shop",
                    params![p.now_ms, p.device_id.to_string(), &p.code_hash[..]],
                    |row| row.get(0),
                )
                .optional()?
                .ok_or(Error::InvalidCode)?;
            tx.execute(
                "INSERT INTO devices (shop, device_id, name, token_hash, paired_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (shop, device_id) DO UPDATE SET name = excluded.name,
                   token_hash = excluded.token_hash, paired_at = excluded.paired_at,
                   last_seen_at = excluded.last_seen_at, revoked_at = NULL",
                params![
                    shop_id,
                    p.device_id.to_string(),
                    p.device_name,
                    &p.token_hash[..],
                    p.now_ms
                ],
            )?;
            let shop: String =
                tx.query_row("SELECT name FROM shops WHERE id = ?1", [shop_id], |row| {
                    row.get(0)
                })?;
            tx.commit()?;
            Ok(shop)
        })
        .await
    }

    async fn rotate(&self, r: Rotation) -> Result<Rotated> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (shop_id, shop, old, replaced): (i64, String, String, Option<String>) = tx
                .query_row(
                    "SELECT d.shop, s.name, d.device_id, d.replaced_by
                     FROM devices d JOIN shops s ON s.id = d.shop
                     WHERE d.token_hash = ?1 AND d.revoked_at IS NULL",
                    [&r.old_token_hash[..]],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?
                .ok_or(Error::Unauthorized)?;
            let new = r.device_id.to_string();
            match replaced {
                None => {
                    let taken = tx
                        .prepare_cached("SELECT 1 FROM devices WHERE shop = ?1 AND device_id = ?2")?
                        .exists(params![shop_id, new])?;
                    if taken {
                        return Err(Error::DeviceExists(format!(
                            "device {new} is already a device of this shop: choose a new id"
                        )));
                    }
                    // The same desk, put back: it keeps the name it had.
                    tx.execute(
                        "INSERT INTO devices (shop, device_id, name, token_hash, paired_at, last_seen_at)
                         SELECT ?1, ?2, name, ?4, ?5, ?5 FROM devices WHERE shop = ?1 AND device_id = ?3",
                        params![shop_id, new, old, &r.token_hash[..], r.now_ms],
                    )?;
                    tx.execute(
                        "UPDATE devices SET replaced_by = ?1 WHERE shop = ?2 AND device_id = ?3",
                        params![new, shop_id, old],
                    )?;
                }
                // The same rotation again, its answer lost: a fresh token for
                // the new device, as long as nobody has used the first one.
                Some(already) if already == new => {
                    let renewed = tx.execute(
                        "UPDATE devices SET token_hash = ?1
                         WHERE shop = ?2 AND device_id = ?3 AND revoked_at IS NULL
                           AND replaced_by IS NULL AND first_seen_at IS NULL",
                        params![&r.token_hash[..], shop_id, new],
                    )?;
                    if renewed == 0 {
                        return Err(Error::Unauthorized);
                    }
                }
                Some(_) => return Err(Error::Unauthorized),
            }
            tx.commit()?;
            Ok(Rotated {
                shop,
                replaced: uuid_from(old)?,
            })
        })
        .await
    }

    async fn authenticate(&self, token_hash: Hash, now_ms: i64) -> Result<Option<DeviceAuth>> {
        let found = self
            .read(move |conn| {
                let tx = conn.transaction()?;
                let Some((shop_id, shop, device, last_seen, first_seen)) = tx
                    .query_row(
                        "SELECT d.shop, s.name, d.device_id, d.last_seen_at, d.first_seen_at
                         FROM devices d JOIN shops s ON s.id = d.shop
                         WHERE d.token_hash = ?1 AND d.revoked_at IS NULL
                           AND d.replaced_by IS NULL",
                        [&token_hash[..]],
                        |row| {
                            Ok((
                                row.get::<_, i64>(0)?,
                                row.get::<_, String>(1)?,
                                row.get::<_, String>(2)?,
                                row.get::<_, i64>(3)?,
                                row.get::<_, Option<i64>>(4)?,
                            ))
                        },
                    )
                    .optional()?
                else {
                    return Ok(None);
                };
                let replaced = replaced_by(&tx, shop_id, &device)?;
                let auth = DeviceAuth {
                    shop_id,
                    shop,
                    device_id: uuid_from(device)?,
                    replaced,
                };
                Ok(Some((auth, last_seen, first_seen.is_none())))
            })
            .await?;
        let Some((auth, last_seen, first_use)) = found else {
            return Ok(None);
        };
        if first_use || now_ms - last_seen >= LAST_SEEN_GRANULARITY_MS {
            let (shop_id, device) = (auth.shop_id, auth.device_id.to_string());
            self.write(move |conn| {
                conn.execute(
                    "UPDATE devices SET last_seen_at = ?1, first_seen_at = coalesce(first_seen_at, ?1)
                     WHERE shop = ?2 AND device_id = ?3",
                    params![now_ms, shop_id, device],
                )?;
                Ok(())
            })
            .await?;
        }
        Ok(Some(auth))
    }

    async fn push(
        &self,
        auth: &DeviceAuth,
        batch_id: Uuid,
        changes: Vec<Change>,
    ) -> Result<PushResponse> {
        let (shop_id, device) = (auth.shop_id, auth.device_id.to_string());
        let batch = batch_id.to_string();
        self.write(move |conn| {
            // IMMEDIATE takes the write lock now: the seqs read below cannot
            // change before this transaction commits.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let seen: Option<String> = tx
                .query_row(
                    "SELECT response FROM batches WHERE shop = ?1 AND device = ?2 AND batch_id = ?3",
                    params![shop_id, device, batch],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(seen) = seen {
                return serde_json::from_str(&seen).map_err(Error::storage);
            }
            let (mut next_seq, _) = shop_counters(&tx, shop_id)?;
            let newest_hlc = changes.iter().map(|c| c.hlc.0).max();
            // Revoked since the token was checked: store nothing.
            let still_paired = tx.execute(
                "UPDATE devices SET last_pushed_hlc = coalesce(max(last_pushed_hlc, ?1), last_pushed_hlc, ?1)
                 WHERE shop = ?2 AND device_id = ?3 AND revoked_at IS NULL",
                params![newest_hlc, shop_id, device],
            )?;
            if still_paired == 0 {
                return Err(Error::Unauthorized);
            }
            let (mut accepted, mut duplicates) = (0u32, 0u32);
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO changes
                       (shop, seq, device, hlc, entity, entity_id, op, field, value, schema)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (shop, device, hlc) DO NOTHING",
                )?;
                for c in &changes {
                    // Under its own id or a device it replaced (checked).
                    let stored = insert.execute(params![
                        shop_id,
                        next_seq,
                        c.device.to_string(),
                        c.hlc.0,
                        c.entity,
                        c.entity_id,
                        c.op.as_str(),
                        c.field,
                        c.value,
                        c.schema
                    ])?;
                    // A duplicate takes no seq: the log stays gapless.
                    if stored == 1 {
                        next_seq += 1;
                        accepted += 1;
                    } else {
                        duplicates += 1;
                    }
                }
            }
            tx.execute(
                "UPDATE shops SET next_seq = ?1 WHERE id = ?2",
                params![next_seq, shop_id],
            )?;
            let response = PushResponse {
                accepted,
                duplicates,
                cursor: Seq(next_seq - 1),
            };
            tx.execute(
                "INSERT INTO batches (shop, device, batch_id, response, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    shop_id,
                    device,
                    batch,
                    serde_json::to_string(&response).map_err(Error::storage)?,
                    crate::clock::now_ms()
                ],
            )?;
            tx.commit()?;
            Ok(response)
        })
        .await
    }

    async fn pull(
        &self,
        auth: &DeviceAuth,
        after: Seq,
        limit: u32,
        snapshot: bool,
    ) -> Result<PullResponse> {
        let (shop_id, device) = (auth.shop_id, auth.device_id.to_string());
        self.read(move |conn| {
            // One read transaction: the counters and the rows are one snapshot.
            let tx = conn.transaction()?;
            let (next_seq, horizon) = shop_counters(&tx, shop_id)?;
            check_horizon(after, horizon, snapshot)?;
            let rows = {
                let mut select = tx.prepare_cached(
                    "SELECT seq, device, hlc, entity, entity_id, op, field, value, schema
                     FROM changes WHERE shop = ?1 AND seq > ?2 AND device <> ?3
                     ORDER BY seq LIMIT ?4",
                )?;
                select
                    .query_map(
                        params![shop_id, after.0, device, i64::from(limit) + 1],
                        change_from_row,
                    )?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            tx.commit()?;
            Ok(pull_page(rows, after, limit, next_seq - 1, horizon))
        })
        .await
    }

    async fn status(&self, auth: &DeviceAuth) -> Result<DeviceStatus> {
        let (shop_id, device) = (auth.shop_id, auth.device_id.to_string());
        self.read(move |conn| {
            Ok(conn.query_row(
                "SELECT s.next_seq - 1, s.horizon, d.last_pushed_hlc
                 FROM shops s JOIN devices d ON d.shop = s.id
                 WHERE s.id = ?1 AND d.device_id = ?2",
                params![shop_id, device],
                |row| {
                    Ok(DeviceStatus {
                        cursor: Seq(row.get(0)?),
                        horizon: Seq(row.get(1)?),
                        last_pushed_hlc: row.get::<_, Option<i64>>(2)?.map(Hlc),
                    })
                },
            )?)
        })
        .await
    }

    async fn devices(&self, shop: Option<&str>) -> Result<Vec<ShopDevice>> {
        let shop = shop.map(str::to_string);
        self.read(move |conn| {
            let mut select = conn.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices d JOIN shops s ON s.id = d.shop
                 WHERE ?1 IS NULL OR s.name = ?1
                 ORDER BY s.name, d.paired_at, d.device_id"
            ))?;
            let rows = select
                .query_map([shop], device_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn revoke(
        &self,
        shop: Option<&str>,
        device_id: Uuid,
        now_ms: i64,
    ) -> Result<Vec<ShopDevice>> {
        let shop = shop.map(str::to_string);
        let device = device_id.to_string();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // A device revoked before keeps its first revocation time.
            tx.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?1)
                 WHERE device_id = ?2
                   AND (?3 IS NULL OR shop = (SELECT id FROM shops WHERE name = ?3))",
                params![now_ms, device, shop],
            )?;
            let revoked = {
                let mut select = tx.prepare(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices d JOIN shops s ON s.id = d.shop
                     WHERE d.device_id = ?1 AND (?2 IS NULL OR s.name = ?2)
                     ORDER BY s.name"
                ))?;
                select
                    .query_map(params![device, shop], device_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            if revoked.is_empty() {
                return Err(Error::NotFound(format!(
                    "no device {device} in {}",
                    shop.as_deref()
                        .map_or("any shop".to_string(), |s| format!("shop {s:?}"))
                )));
            }
            tx.commit()?;
            Ok(revoked)
        })
        .await
    }

    async fn compact(&self, shop: &str) -> Result<Compacted> {
        let shop = shop.to_string();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let shop_id: i64 = tx
                .query_row("SELECT id FROM shops WHERE name = ?1", [&shop], |row| {
                    row.get(0)
                })
                .optional()?
                .ok_or_else(|| Error::NotFound(format!("no shop {shop:?}")))?;
            let (next_seq, _) = shop_counters(&tx, shop_id)?;
            let newest = next_seq - 1;
            // rank(), not row_number(): two devices' updates with the same hlc
            // both stay, for the devices' merge to order.
            let removed = tx.execute(
                "DELETE FROM changes WHERE shop = ?1 AND seq IN (
                   SELECT seq FROM (
                     SELECT seq, rank() OVER (
                       PARTITION BY entity, entity_id, field ORDER BY hlc DESC) AS newer
                     FROM changes WHERE shop = ?1 AND op = 'update' AND seq <= ?2)
                   WHERE newer > 1)",
                params![shop_id, newest],
            )?;
            tx.execute(
                "UPDATE shops SET horizon = ?1 WHERE id = ?2",
                params![newest, shop_id],
            )?;
            tx.commit()?;
            Ok(Compacted {
                removed: removed as u64,
                horizon: Seq(newest),
            })
        })
        .await
    }
}
