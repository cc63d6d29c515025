//! The PostgreSQL backend: a deadpool of tokio-postgres connections.
//!
//! The per-shop lock is the shop's row (`SELECT ... FOR UPDATE`): pushes to
//! one shop queue behind each other until commit, so seqs are assigned in
//! commit order, while pushes to different shops run side by side. A pull is
//! one REPEATABLE READ snapshot, so its counters and rows agree.
//! The connection is plain TCP (no TLS): run the database on the same host
//! or a private network.

use std::collections::HashSet;
use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use pelanggan_sync_protocol::{Change, DeviceInfo, Hlc, Op, PullResponse, PushResponse, Seq};
use tokio_postgres::{IsolationLevel, NoTls, Row};
use uuid::Uuid;

use super::{
    Compacted, DeviceAuth, DeviceStatus, LAST_SEEN_GRANULARITY_MS, Pairing, Rotated, Rotation,
    ShopDevice, Storage, check_horizon, pull_page,
};
use crate::error::{Error, Result};
use crate::tokens::Hash;

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

const POOL_SIZE: usize = 16;

#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl PostgresStorage {
    /// Connects to `postgres://...` and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<PostgresStorage> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| Error::Storage(format!("the PostgreSQL URL is not valid: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(Error::storage)?;
        let mut client = pool.get().await?;
        embedded::migrations::runner()
            .run_async(&mut **client)
            .await
            .map_err(Error::storage)?;
        Ok(PostgresStorage { pool })
    }
}

const DEVICE_COLUMNS: &str = "s.name, d.device_id, d.name, d.paired_at, d.last_seen_at, \
     d.revoked_at, d.last_pushed_hlc, d.replaced_by";

fn device_from_row(row: &Row) -> ShopDevice {
    ShopDevice {
        shop: row.get(0),
        info: DeviceInfo {
            device_id: row.get(1),
            name: row.get(2),
            paired_at: row.get(3),
            last_seen_at: row.get(4),
            revoked_at: row.get(5),
            last_pushed_hlc: row.get::<_, Option<i64>>(6).map(Hlc),
            replaced_by: row.get(7),
        },
    }
}

/// The devices `device` replaced, directly or through others.
async fn replaced_by(
    client: &impl tokio_postgres::GenericClient,
    shop_id: i64,
    device: Uuid,
) -> Result<Vec<Uuid>> {
    Ok(client
        .query(
            "WITH RECURSIVE chain (id) AS (
               SELECT device_id FROM devices WHERE shop = $1 AND replaced_by = $2
               UNION
               SELECT d.device_id FROM devices d JOIN chain c ON d.replaced_by = c.id
               WHERE d.shop = $1)
             SELECT id FROM chain",
            &[&shop_id, &device],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect())
}

fn change_from_row(row: &Row) -> Result<(i64, Change)> {
    let op: String = row.get(5);
    let schema: i32 = row.get(8);
    Ok((
        row.get(0),
        Change {
            device: row.get(1),
            hlc: Hlc(row.get(2)),
            entity: row.get(3),
            entity_id: row.get(4),
            op: Op::from_str(&op).map_err(Error::Storage)?,
            field: row.get(6),
            value: row.get(7),
            schema: u32::try_from(schema).map_err(Error::storage)?,
        },
    ))
}

impl Storage for PostgresStorage {
    async fn create_invite(
        &self,
        shop: &str,
        code_hash: Hash,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO shops (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&shop, &now_ms],
        )
        .await?;
        tx.execute(
            "INSERT INTO invites (code_hash, shop, created_at, expires_at)
             SELECT $1, id, $2, $3 FROM shops WHERE name = $4",
            &[&&code_hash[..], &now_ms, &expires_at_ms, &shop],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn pair(&self, p: Pairing) -> Result<String> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // One statement both checks and uses the code, so it pairs once.
        let used = tx
            .query_opt(
                "UPDATE invites SET used_at = $1, used_by = $2
                 WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1
                 RETURNING shop",
                &[&p.now_ms, &p.device_id, &&p.code_hash[..]],
            )
            .await?
            .ok_or(Error::InvalidCode)?;
        let shop_id: i64 = used.get(0);
        tx.execute(
            "INSERT INTO devices (shop, device_id, name, token_hash, paired_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (shop, device_id) DO UPDATE SET name = excluded.name,
               token_hash = excluded.token_hash, paired_at = excluded.paired_at,
               last_seen_at = excluded.last_seen_at, revoked_at = NULL",
            &[
                &shop_id,
                &p.device_id,
                &p.device_name,
                &&p.token_hash[..],
                &p.now_ms,
            ],
        )
        .await?;
        let shop: String = tx
            .query_one("SELECT name FROM shops WHERE id = $1", &[&shop_id])
            .await?
            .get(0);
        tx.commit().await?;
        Ok(shop)
    }

    async fn rotate(&self, r: Rotation) -> Result<Rotated> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // The old device's row, locked: two rotations of it queue up.
        let row = tx
            .query_opt(
                "SELECT d.shop, s.name, d.device_id, d.replaced_by
                 FROM devices d JOIN shops s ON s.id = d.shop
                 WHERE d.token_hash = $1 AND d.revoked_at IS NULL
                 FOR UPDATE OF d",
                &[&&r.old_token_hash[..]],
            )
            .await?
            .ok_or(Error::Unauthorized)?;
        let (shop_id, shop, old, replaced): (i64, String, Uuid, Option<Uuid>) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        match replaced {
            None => {
                let stored = tx
                    .execute(
                        // The same desk, put back: it keeps the name it had.
                        "INSERT INTO devices (shop, device_id, name, token_hash, paired_at, last_seen_at)
                         SELECT $1, $2, name, $4, $5, $5 FROM devices WHERE shop = $1 AND device_id = $3
                         ON CONFLICT DO NOTHING",
                        &[
                            &shop_id,
                            &r.device_id,
                            &old,
                            &&r.token_hash[..],
                            &r.now_ms,
                        ],
                    )
                    .await?;
                if stored == 0 {
                    return Err(Error::DeviceExists(format!(
                        "device {} is already a device of this shop: choose a new id",
                        r.device_id
                    )));
                }
                tx.execute(
                    "UPDATE devices SET replaced_by = $1 WHERE shop = $2 AND device_id = $3",
                    &[&r.device_id, &shop_id, &old],
                )
                .await?;
            }
            // The same rotation again, its answer lost: a fresh token for
            // the new device, as long as nobody has used the first one.
            Some(already) if already == r.device_id => {
                let renewed = tx
                    .execute(
                        "UPDATE devices SET token_hash = $1
                         WHERE shop = $2 AND device_id = $3 AND revoked_at IS NULL
                           AND replaced_by IS NULL AND first_seen_at IS NULL",
                        &[&&r.token_hash[..], &shop_id, &r.device_id],
                    )
                    .await?;
                if renewed == 0 {
                    return Err(Error::Unauthorized);
                }
            }
            Some(_) => return Err(Error::Unauthorized),
        }
        tx.commit().await?;
        Ok(Rotated {
            shop,
            replaced: old,
        })
    }

    async fn authenticate(&self, token_hash: Hash, now_ms: i64) -> Result<Option<DeviceAuth>> {
        let client = self.pool.get().await?;
        let Some(row) = client
            .query_opt(
                "SELECT d.shop, s.name, d.device_id, d.last_seen_at, d.first_seen_at
                 FROM devices d JOIN shops s ON s.id = d.shop
                 WHERE d.token_hash = $1 AND d.revoked_at IS NULL AND d.replaced_by IS NULL",
                &[&&token_hash[..]],
            )
            .await?
        else {
            return Ok(None);
        };
        let (shop_id, device_id): (i64, Uuid) = (row.get(0), row.get(2));
        let auth = DeviceAuth {
            shop_id,
            shop: row.get(1),
            device_id,
            replaced: replaced_by(&**client, shop_id, device_id).await?,
        };
        let last_seen: i64 = row.get(3);
        let first_use = row.get::<_, Option<i64>>(4).is_none();
        if first_use || now_ms - last_seen >= LAST_SEEN_GRANULARITY_MS {
            client
                .execute(
                    "UPDATE devices SET last_seen_at = $1, first_seen_at = COALESCE(first_seen_at, $1)
                     WHERE shop = $2 AND device_id = $3",
                    &[&now_ms, &auth.shop_id, &auth.device_id],
                )
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
        let (shop_id, device) = (auth.shop_id, auth.device_id);
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // The shop's lock, held to commit: the next push of this shop waits
        // here, after this one's seqs are visible.
        let next_seq: i64 = tx
            .query_one(
                "SELECT next_seq FROM shops WHERE id = $1 FOR UPDATE",
                &[&shop_id],
            )
            .await?
            .get(0);
        if let Some(seen) = tx
            .query_opt(
                "SELECT response FROM batches WHERE shop = $1 AND device = $2 AND batch_id = $3",
                &[&shop_id, &device, &batch_id],
            )
            .await?
        {
            return serde_json::from_str(seen.get(0)).map_err(Error::storage);
        }
        let newest_hlc = changes.iter().map(|c| c.hlc.0).max();
        // Revoked since the token was checked: store nothing. (GREATEST skips NULLs.)
        let still_paired = tx
            .execute(
                "UPDATE devices SET last_pushed_hlc = GREATEST(last_pushed_hlc, $1)
                 WHERE shop = $2 AND device_id = $3 AND revoked_at IS NULL",
                &[&newest_hlc, &shop_id, &device],
            )
            .await?;
        if still_paired == 0 {
            return Err(Error::Unauthorized);
        }
        // Each change under its own device: the pusher's id or one it
        // replaced (checked before).
        // One lookup per device (nearly always one): `hlc = ANY` walks the
        // (shop, device, hlc) key, where a join on unnested pairs made the
        // planner scan the shop's whole log.
        let mut by_device: std::collections::BTreeMap<Uuid, Vec<i64>> = Default::default();
        for c in &changes {
            by_device.entry(c.device).or_default().push(c.hlc.0);
        }
        let mut held: HashSet<(Uuid, i64)> = HashSet::new();
        for (device, hlcs) in &by_device {
            let rows = tx
                .query(
                    "SELECT hlc FROM changes WHERE shop = $1 AND device = $2 AND hlc = ANY($3)",
                    &[&shop_id, device, hlcs],
                )
                .await?;
            held.extend(rows.iter().map(|row| (*device, row.get::<_, i64>(0))));
        }
        // Under the shop's lock nothing else inserts for this shop, so the
        // changes not held now are exactly the ones this insert stores; a
        // repeat inside the batch counts as a duplicate too. A duplicate takes
        // no seq: the log stays gapless.
        let fresh: Vec<&Change> = changes
            .iter()
            .filter(|c| held.insert((c.device, c.hlc.0)))
            .collect();
        let seqs: Vec<i64> = (next_seq..).take(fresh.len()).collect();
        let column = |f: fn(&Change) -> Option<String>| -> Vec<Option<String>> {
            fresh.iter().map(|c| f(c)).collect()
        };
        let stored = tx
            .execute(
                "INSERT INTO changes
                   (shop, seq, device, hlc, entity, entity_id, op, field, value, schema)
                 SELECT $1, s, d, h, e, i, o, f, v, sc
                 FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                             $7::text[], $8::text[], $9::text[], $10::int[])
                      AS t(d, s, h, e, i, o, f, v, sc)
                 ON CONFLICT (shop, device, hlc) DO NOTHING",
                &[
                    &shop_id,
                    &fresh.iter().map(|c| c.device).collect::<Vec<Uuid>>(),
                    &seqs,
                    &fresh.iter().map(|c| c.hlc.0).collect::<Vec<i64>>(),
                    &column(|c| Some(c.entity.clone())),
                    &column(|c| Some(c.entity_id.clone())),
                    &column(|c| Some(c.op.as_str().to_string())),
                    &column(|c| c.field.clone()),
                    &column(|c| c.value.clone()),
                    &fresh
                        .iter()
                        .map(|c| i32::try_from(c.schema).unwrap_or(i32::MAX))
                        .collect::<Vec<i32>>(),
                ],
            )
            .await?;
        if stored != fresh.len() as u64 {
            // Rolled back on drop: the lock did not hold, and a seq would skip.
            return Err(Error::Storage(format!(
                "expected to store {} changes, stored {stored}",
                fresh.len()
            )));
        }
        let next_seq = next_seq + stored as i64;
        tx.execute(
            "UPDATE shops SET next_seq = $1 WHERE id = $2",
            &[&next_seq, &shop_id],
        )
        .await?;
        let response = PushResponse {
            accepted: fresh.len() as u32,
            duplicates: (changes.len() - fresh.len()) as u32,
            cursor: Seq(next_seq - 1),
        };
        tx.execute(
            "INSERT INTO batches (shop, device, batch_id, response, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &shop_id,
                &device,
                &batch_id,
                &serde_json::to_string(&response).map_err(Error::storage)?,
                &crate::clock::now_ms(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(response)
    }

    async fn pull(
        &self,
        auth: &DeviceAuth,
        after: Seq,
        limit: u32,
        snapshot: bool,
    ) -> Result<PullResponse> {
        let mut client = self.pool.get().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let counters = tx
            .query_one(
                "SELECT next_seq, horizon FROM shops WHERE id = $1",
                &[&auth.shop_id],
            )
            .await?;
        let (next_seq, horizon): (i64, i64) = (counters.get(0), counters.get(1));
        check_horizon(after, horizon, snapshot)?;
        let rows = tx
            .query(
                "SELECT seq, device, hlc, entity, entity_id, op, field, value, schema
                 FROM changes WHERE shop = $1 AND seq > $2 AND device <> $3
                 ORDER BY seq LIMIT $4",
                &[
                    &auth.shop_id,
                    &after.0,
                    &auth.device_id,
                    &(i64::from(limit) + 1),
                ],
            )
            .await?
            .iter()
            .map(change_from_row)
            .collect::<Result<Vec<_>>>()?;
        tx.commit().await?;
        Ok(pull_page(rows, after, limit, next_seq - 1, horizon))
    }

    async fn status(&self, auth: &DeviceAuth) -> Result<DeviceStatus> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT s.next_seq - 1, s.horizon, d.last_pushed_hlc
                 FROM shops s JOIN devices d ON d.shop = s.id
                 WHERE s.id = $1 AND d.device_id = $2",
                &[&auth.shop_id, &auth.device_id],
            )
            .await?;
        Ok(DeviceStatus {
            cursor: Seq(row.get(0)),
            horizon: Seq(row.get(1)),
            last_pushed_hlc: row.get::<_, Option<i64>>(2).map(Hlc),
        })
    }

    async fn devices(&self, shop: Option<&str>) -> Result<Vec<ShopDevice>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices d JOIN shops s ON s.id = d.shop
                     WHERE $1::text IS NULL OR s.name = $1
                     ORDER BY s.name, d.paired_at, d.device_id"
                ),
                &[&shop],
            )
            .await?;
        Ok(rows.iter().map(device_from_row).collect())
    }

    async fn revoke(
        &self,
        shop: Option<&str>,
        device_id: Uuid,
        now_ms: i64,
    ) -> Result<Vec<ShopDevice>> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // A device revoked before keeps its first revocation time.
        tx.execute(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, $1)
             WHERE device_id = $2
               AND ($3::text IS NULL OR shop = (SELECT id FROM shops WHERE name = $3))",
            &[&now_ms, &device_id, &shop],
        )
        .await?;
        let revoked: Vec<ShopDevice> = tx
            .query(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices d JOIN shops s ON s.id = d.shop
                     WHERE d.device_id = $1 AND ($2::text IS NULL OR s.name = $2)
                     ORDER BY s.name"
                ),
                &[&device_id, &shop],
            )
            .await?
            .iter()
            .map(device_from_row)
            .collect();
        if revoked.is_empty() {
            return Err(Error::NotFound(format!(
                "no device {device_id} in {}",
                shop.map_or("any shop".to_string(), |s| format!("shop {s:?}"))
            )));
        }
        tx.commit().await?;
        Ok(revoked)
    }

    async fn compact(&self, shop: &str) -> Result<Compacted> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT id, next_seq FROM shops WHERE name = $1 FOR UPDATE",
                &[&shop],
            )
            .await?
            .ok_or_else(|| Error::NotFound(format!("no shop {shop:?}")))?;
        let (shop_id, next_seq): (i64, i64) = (row.get(0), row.get(1));
        let newest = next_seq - 1;
        // rank(), not row_number(): two devices' updates with the same hlc
        // both stay, for the devices' merge to order.
        let removed = tx
            .execute(
                "DELETE FROM changes WHERE shop = $1 AND seq IN (
                   SELECT seq FROM (
                     SELECT seq, rank() OVER (
                       PARTITION BY entity, entity_id, field ORDER BY hlc DESC) AS newer
                     FROM changes WHERE shop = $1 AND op = 'update' AND seq <= $2) ranked
                   WHERE newer > 1)",
                &[&shop_id, &newest],
            )
            .await?;
        tx.execute(
            "UPDATE shops SET horizon = $1 WHERE id = $2",
            &[&newest, &shop_id],
        )
        .await?;
        tx.commit().await?;
        Ok(Compacted {
            removed,
            horizon: Seq(newest),
        })
    }
}
