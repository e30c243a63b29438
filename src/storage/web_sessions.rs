//! Web workspace sessions and pending OpenID Connect sign-ins, server-side so that they survive a
//! restart and are shared by every replica.
//!
//! Only SHA-256 hashes of session ids and sign-in states are stored (callers hash them with
//! [`hash`]), so reading the tables signs nobody in. A session ends after `idle` without a
//! request or `absolute` after it began; an expired row is refused and deleted when it is found,
//! and [`delete_expired`] sweeps the rest. `last_seen_at` is written at most once a minute.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::{organisations, web_sessions, web_sign_ins};
use super::{DbConnection, StorageResult};

/// How stale `last_seen_at` may be before a request writes it again.
pub const TOUCH_EVERY: Duration = Duration::seconds(60);

/// SHA-256 of a session id or a state, as stored (lowercase hex).
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A session to store.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub org_id: i64,
    pub subject: &'a str,
    pub display_name: &'a str,
    /// Role codes, comma-separated.
    pub roles: &'a str,
    pub language: &'a str,
    pub csrf: &'a str,
    pub id_token: Option<&'a str>,
}

/// A live session, with its organisation's code and name.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id_hash: String,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub subject: String,
    pub display_name: String,
    pub roles: String,
    pub language: String,
    pub csrf: String,
    pub id_token: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Lifetimes {
    fn expired(
        &self,
        created_at: NaiveDateTime,
        last_seen_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> bool {
        now - last_seen_at > self.idle || now - created_at > self.absolute
    }
}

pub fn create(
    conn: &mut DbConnection,
    new: &NewSession<'_>,
    now: NaiveDateTime,
) -> StorageResult<()> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::id_hash.eq(new.id_hash),
            web_sessions::org_id.eq(new.org_id),
            web_sessions::subject.eq(new.subject),
            web_sessions::display_name.eq(new.display_name),
            web_sessions::roles.eq(new.roles),
            web_sessions::language.eq(new.language),
            web_sessions::csrf.eq(new.csrf),
            web_sessions::id_token.eq(new.id_token),
            web_sessions::created_at.eq(now),
            web_sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

type SessionColumns = (
    web_sessions::id_hash,
    web_sessions::org_id,
    organisations::code,
    organisations::name,
    web_sessions::subject,
    web_sessions::display_name,
    web_sessions::roles,
    web_sessions::language,
    web_sessions::csrf,
    web_sessions::id_token,
    web_sessions::created_at,
    web_sessions::last_seen_at,
);

const SESSION_COLUMNS: SessionColumns = (
    web_sessions::id_hash,
    web_sessions::org_id,
    organisations::code,
    organisations::name,
    web_sessions::subject,
    web_sessions::display_name,
    web_sessions::roles,
    web_sessions::language,
    web_sessions::csrf,
    web_sessions::id_token,
    web_sessions::created_at,
    web_sessions::last_seen_at,
);

type SessionRow = (
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

fn session_of(row: SessionRow) -> Session {
    let (
        id_hash,
        org_id,
        org_code,
        org_name,
        subject,
        display_name,
        roles,
        language,
        csrf,
        id_token,
        created_at,
        last_seen_at,
    ) = row;
    Session {
        id_hash,
        org_id,
        org_code,
        org_name,
        subject,
        display_name,
        roles,
        language,
        csrf,
        id_token,
        created_at,
        last_seen_at,
    }
}

/// The live session whose id hashes to `id_hash`. An expired one is deleted and `None`; a live
/// one has `last_seen_at` moved to `now` when it is more than [`TOUCH_EVERY`] old.
pub fn find(
    conn: &mut DbConnection,
    id_hash: &str,
    lifetimes: Lifetimes,
    now: NaiveDateTime,
) -> StorageResult<Option<Session>> {
    let row: Option<SessionRow> = web_sessions::table
        .inner_join(organisations::table)
        .filter(web_sessions::id_hash.eq(id_hash))
        .select(SESSION_COLUMNS)
        .first(conn)
        .optional()?;
    let Some(mut session) = row.map(session_of) else {
        return Ok(None);
    };
    if lifetimes.expired(session.created_at, session.last_seen_at, now) {
        delete(conn, id_hash)?;
        return Ok(None);
    }
    if now - session.last_seen_at > TOUCH_EVERY {
        diesel::update(web_sessions::table.filter(web_sessions::id_hash.eq(id_hash)))
            .set(web_sessions::last_seen_at.eq(now))
            .execute(conn)?;
        session.last_seen_at = now;
    }
    Ok(Some(session))
}

/// Changes the language of one session.
pub fn set_language(conn: &mut DbConnection, id_hash: &str, language: &str) -> StorageResult<()> {
    diesel::update(web_sessions::table.filter(web_sessions::id_hash.eq(id_hash)))
        .set(web_sessions::language.eq(language))
        .execute(conn)?;
    Ok(())
}

/// Ends one session; returns its ID token (for the provider's sign-out), if it had one.
pub fn delete(conn: &mut DbConnection, id_hash: &str) -> StorageResult<Option<String>> {
    conn.transaction(|conn| {
        let token: Option<Option<String>> = web_sessions::table
            .filter(web_sessions::id_hash.eq(id_hash))
            .select(web_sessions::id_token)
            .first(conn)
            .optional()?;
        diesel::delete(web_sessions::table.filter(web_sessions::id_hash.eq(id_hash)))
            .execute(conn)?;
        Ok(token.flatten())
    })
}

/// Deletes every expired session and every pending sign-in older than `sign_in_max_age`;
/// returns how many sessions went.
pub fn delete_expired(
    conn: &mut DbConnection,
    lifetimes: Lifetimes,
    sign_in_max_age: Duration,
    now: NaiveDateTime,
) -> StorageResult<usize> {
    let sessions = diesel::delete(
        web_sessions::table.filter(
            web_sessions::last_seen_at
                .lt(now - lifetimes.idle)
                .or(web_sessions::created_at.lt(now - lifetimes.absolute)),
        ),
    )
    .execute(conn)?;
    diesel::delete(web_sign_ins::table.filter(web_sign_ins::created_at.lt(now - sign_in_max_age)))
        .execute(conn)?;
    Ok(sessions)
}

/// A sign-in begun at the provider, waiting for its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
}

pub fn put_sign_in(
    conn: &mut DbConnection,
    state_hash: &str,
    pending: &PendingSignIn,
    now: NaiveDateTime,
) -> StorageResult<()> {
    diesel::insert_into(web_sign_ins::table)
        .values((
            web_sign_ins::state_hash.eq(state_hash),
            web_sign_ins::nonce.eq(&pending.nonce),
            web_sign_ins::pkce_verifier.eq(&pending.pkce_verifier),
            web_sign_ins::next_path.eq(&pending.next_path),
            web_sign_ins::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the pending sign-in of a state, once: a second take, or one after `max_age`, is `None`.
pub fn take_sign_in(
    conn: &mut DbConnection,
    state_hash: &str,
    max_age: Duration,
    now: NaiveDateTime,
) -> StorageResult<Option<PendingSignIn>> {
    conn.transaction(|conn| {
        let row: Option<(String, String, String, NaiveDateTime)> = web_sign_ins::table
            .filter(web_sign_ins::state_hash.eq(state_hash))
            .select((
                web_sign_ins::nonce,
                web_sign_ins::pkce_verifier,
                web_sign_ins::next_path,
                web_sign_ins::created_at,
            ))
            .first(conn)
            .optional()?;
        let Some((nonce, pkce_verifier, next_path, created_at)) = row else {
            return Ok(None);
        };
        // Only the request that deletes the row may use it.
        let deleted =
            diesel::delete(web_sign_ins::table.filter(web_sign_ins::state_hash.eq(state_hash)))
                .execute(conn)?;
        if deleted != 1 || now - created_at > max_age {
            return Ok(None);
        }
        Ok(Some(PendingSignIn {
            nonce,
            pkce_verifier,
            next_path,
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DatabaseSettings, Secret};
    use crate::storage::Database;

    /// A fresh, migrated SQLite database with one organisation (`lst-a`): its id.
    fn test_db() -> (Database, i64, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = Database::connect(&DatabaseSettings {
            url: Secret::new(format!("sqlite://{}", dir.path().join("t.db").display())),
            pool_size: 1,
            acquire_timeout_ms: 5_000,
            sqlite_busy_timeout_ms: 5_000,
        })
        .expect("connect");
        db.migrate().expect("migrate");
        let mut conn = db.conn().unwrap();
        diesel::insert_into(organisations::table)
            .values((
                organisations::code.eq("lst-a"),
                organisations::name.eq("Länsstyrelsen A"),
                organisations::created_at.eq(crate::storage::now()),
            ))
            .execute(&mut conn)
            .unwrap();
        let id = organisations::table
            .select(organisations::id)
            .first(&mut conn)
            .unwrap();
        drop(conn);
        (db, id, dir)
    }

    fn lifetimes() -> Lifetimes {
        Lifetimes {
            idle: Duration::minutes(30),
            absolute: Duration::hours(10),
        }
    }

    fn new<'a>(id_hash: &'a str, org_id: i64) -> NewSession<'a> {
        NewSession {
            id_hash,
            org_id,
            subject: "sub-1",
            display_name: "Anna",
            roles: "case_officer",
            language: "sv",
            csrf: "csrf-token",
            id_token: Some("id.token.here"),
        }
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let (db, org_id, _dir) = test_db();
        let mut conn = db.conn().unwrap();
        let t0 = crate::storage::now();
        let id = hash("session-a");
        create(&mut conn, &new(&id, org_id), t0).unwrap();

        // Seen within the minute: found, not touched.
        let s = find(&mut conn, &id, lifetimes(), t0 + Duration::seconds(30))
            .unwrap()
            .unwrap();
        assert_eq!(s.last_seen_at, t0);
        assert_eq!(s.org_code, "lst-a");
        // Later: found and touched.
        let t1 = t0 + Duration::minutes(20);
        let s = find(&mut conn, &id, lifetimes(), t1).unwrap().unwrap();
        assert_eq!(s.last_seen_at, t1);
        // Idle for longer than the idle timeout: gone, and deleted.
        let t2 = t1 + Duration::minutes(31);
        assert!(find(&mut conn, &id, lifetimes(), t2).unwrap().is_none());
        assert!(find(&mut conn, &id, lifetimes(), t1).unwrap().is_none());

        // Kept busy, but older than the absolute timeout: gone.
        let id = hash("session-b");
        create(&mut conn, &new(&id, org_id), t0).unwrap();
        let mut t = t0;
        while t < t0 + Duration::hours(10) {
            t += Duration::minutes(25);
            let live = find(&mut conn, &id, lifetimes(), t).unwrap();
            assert_eq!(live.is_some(), t - t0 <= Duration::hours(10), "{t}");
        }
    }

    #[test]
    fn delete_returns_the_id_token_and_sweeping_takes_only_expired() {
        let (db, org_id, _dir) = test_db();
        let mut conn = db.conn().unwrap();
        let t0 = crate::storage::now();
        let (a, b) = (hash("a"), hash("b"));
        create(&mut conn, &new(&a, org_id), t0).unwrap();
        create(&mut conn, &new(&b, org_id), t0 + Duration::minutes(20)).unwrap();
        let swept = delete_expired(
            &mut conn,
            lifetimes(),
            Duration::minutes(10),
            t0 + Duration::minutes(40),
        )
        .unwrap();
        assert_eq!(swept, 1);
        assert!(
            find(&mut conn, &b, lifetimes(), t0 + Duration::minutes(40))
                .unwrap()
                .is_some()
        );
        assert_eq!(
            delete(&mut conn, &b).unwrap().as_deref(),
            Some("id.token.here")
        );
        assert_eq!(delete(&mut conn, &b).unwrap(), None);
        set_language(&mut conn, &b, "en").unwrap();
    }

    #[test]
    fn sign_ins_are_taken_once_and_expire() {
        let (db, _, _dir) = test_db();
        let mut conn = db.conn().unwrap();
        let t0 = crate::storage::now();
        let pending = PendingSignIn {
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            next_path: "/calls/1".into(),
        };
        let max = Duration::minutes(10);
        put_sign_in(&mut conn, &hash("state-1"), &pending, t0).unwrap();
        assert!(
            take_sign_in(&mut conn, &hash("state-x"), max, t0)
                .unwrap()
                .is_none()
        );
        assert_eq!(
            take_sign_in(&mut conn, &hash("state-1"), max, t0).unwrap(),
            Some(pending.clone())
        );
        assert!(
            take_sign_in(&mut conn, &hash("state-1"), max, t0)
                .unwrap()
                .is_none()
        );
        put_sign_in(&mut conn, &hash("state-2"), &pending, t0).unwrap();
        let late = t0 + Duration::minutes(11);
        assert!(
            take_sign_in(&mut conn, &hash("state-2"), max, late)
                .unwrap()
                .is_none()
        );
    }
}
