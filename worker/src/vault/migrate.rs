//! Changes of record layout between versions of the app.
//!
//! Two levels of versioning, from day one:
//! - the IndexedDB database version (see `store::indexeddb`) only creates
//!   object stores in `onupgradeneeded`;
//! - the `schema_version` record versions the records themselves. When a
//!   later version changes a record's format, it bumps [`SCHEMA_VERSION`]
//!   and appends a [`Migration`] to [`MIGRATIONS`]; opening a vault runs the
//!   missing ones and writes their result, with the new version, in one
//!   batch, so an interrupted migration leaves the old layout intact and
//!   simply runs again.
//!
//! Migrations see the records as stored (secrets still sealed): one that
//! needs to re-seal secrets must instead run at unlock, with the data key.

use std::collections::BTreeMap;

use super::error::VaultError;
use super::records::SCHEMA_VERSION_RECORD;
use super::store::Record;

/// The record layout this version of the app writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Turns records of one schema version into the next: returns the records to
/// write (new or replaced). Records it no longer uses may be left in place.
pub type Migration = fn(&BTreeMap<String, Vec<u8>>) -> Result<Vec<Record>, VaultError>;

/// `MIGRATIONS[i]` migrates from version `i + 1` to `i + 2`.
pub const MIGRATIONS: &[Migration] = &[];

const _: () = assert!(SCHEMA_VERSION as usize == MIGRATIONS.len() + 1);

/// Encodes a schema version as stored.
pub fn encode_version(version: u32) -> Vec<u8> {
    version.to_string().into_bytes()
}

/// Decodes a stored schema version.
pub fn decode_version(bytes: &[u8]) -> Result<u32, VaultError> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|&v| v >= 1)
        .ok_or_else(|| VaultError::Damaged {
            name: SCHEMA_VERSION_RECORD.to_owned(),
        })
}

/// Brings `records` from schema version `from` to the last version of
/// `table`, in place, and returns the batch that persists the change (empty
/// if there is nothing to do).
pub fn migrate(
    records: &mut BTreeMap<String, Vec<u8>>,
    from: u32,
    table: &[Migration],
) -> Result<Vec<Record>, VaultError> {
    let target = u32::try_from(table.len())
        .ok()
        .and_then(|n| n.checked_add(1))
        .unwrap_or(u32::MAX);
    if from > target {
        return Err(VaultError::NewerSchema {
            found: from,
            supported: target,
        });
    }
    if from == target {
        return Ok(Vec::new());
    }
    let mut changed = BTreeMap::new();
    for step in table.iter().skip(from.saturating_sub(1) as usize) {
        for (name, bytes) in step(records)? {
            records.insert(name.clone(), bytes.clone());
            changed.insert(name, bytes);
        }
    }
    let version = encode_version(target);
    records.insert(SCHEMA_VERSION_RECORD.to_owned(), version.clone());
    changed.insert(SCHEMA_VERSION_RECORD.to_owned(), version);
    Ok(changed.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rename_a_to_b(records: &BTreeMap<String, Vec<u8>>) -> Result<Vec<Record>, VaultError> {
        Ok(records
            .get("public/a")
            .map(|v| ("public/b".to_owned(), v.clone()))
            .into_iter()
            .collect())
    }

    fn upper_b(records: &BTreeMap<String, Vec<u8>>) -> Result<Vec<Record>, VaultError> {
        Ok(records
            .get("public/b")
            .map(|v| ("public/b".to_owned(), v.to_ascii_uppercase()))
            .into_iter()
            .collect())
    }

    #[test]
    fn missing_steps_run_in_order_and_end_with_the_new_version() {
        let table: &[Migration] = &[rename_a_to_b, upper_b];
        let mut records = BTreeMap::from([("public/a".to_owned(), b"x".to_vec())]);
        let batch = migrate(&mut records, 1, table).unwrap();
        assert_eq!(
            batch,
            vec![
                ("public/b".to_owned(), b"X".to_vec()),
                ("schema_version".to_owned(), b"3".to_vec()),
            ]
        );
        let mut records = BTreeMap::from([("public/b".to_owned(), b"y".to_vec())]);
        let batch = migrate(&mut records, 2, table).unwrap();
        assert_eq!(batch[0], ("public/b".to_owned(), b"Y".to_vec()));
        assert!(migrate(&mut records, 3, table).unwrap().is_empty());
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut records = BTreeMap::new();
        assert!(matches!(
            migrate(&mut records, 2, MIGRATIONS),
            Err(VaultError::NewerSchema {
                found: 2,
                supported: 1
            })
        ));
    }

    #[test]
    fn versions_round_trip_and_garbage_is_damage() {
        assert_eq!(decode_version(&encode_version(7)).unwrap(), 7);
        assert!(decode_version(b"zero").is_err());
        assert!(decode_version(b"0").is_err());
        assert!(decode_version(&[0xff]).is_err());
    }
}
