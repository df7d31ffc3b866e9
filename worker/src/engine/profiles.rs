//! Profile commands: open (claiming it for this tab), list, add, delete.

use super::error::{invalid, storage_error};
use super::identity::{read_public, NPUB};
use super::Engine;
use crate::profiles::{new_profile_id, ProfileStores};
use crate::protocol::{EngineError, Event, Identity, ProfileSummary, Reply, DELETE_CONFIRMATION};
use crate::vault::Vault;

impl<P: ProfileStores> Engine<P> {
    pub(super) async fn open_profile(
        &self,
        requested: Option<String>,
        take_over: bool,
    ) -> Result<Reply, EngineError> {
        let id = match requested {
            Some(id) => id,
            None => match self
                .profiles
                .list()
                .await
                .map_err(storage_error)?
                .into_iter()
                .next()
            {
                Some(first) => first,
                None => new_profile_id().map_err(invalid)?,
            },
        };
        let mut vault = self.vault.lock().await;
        let current = self.current.borrow().clone();
        if current.as_deref() != Some(id.as_str()) {
            if !self
                .profiles
                .claim(&id, take_over)
                .await
                .map_err(storage_error)?
            {
                return Ok(Reply::Opened {
                    profile: id,
                    identity: Identity::Elsewhere,
                });
            }
            let store = self.profiles.open(&id).await.map_err(storage_error)?;
            let opened = Vault::open(store).await?;
            // Only now that the new profile is open is the old one let go.
            if let Some(previous) = current {
                self.profiles.release(&previous);
            }
            *vault = Some(opened);
            *self.current.borrow_mut() = Some(id.clone());
            self.end_session().await;
            if let Some(opened) = vault.as_ref() {
                self.resume_keyless(opened).await?;
            }
        }
        let identity = match vault.as_ref() {
            Some(vault) => self.identity_of(vault).await?,
            None => Identity::Elsewhere,
        };
        Ok(Reply::Opened {
            profile: id,
            identity,
        })
    }

    /// Restores a backup file into a new profile and opens it, unlocked.
    pub(super) async fn import_backup(
        &self,
        file: &str,
        passphrase: &str,
    ) -> Result<Reply, EngineError> {
        let id = new_profile_id().map_err(invalid)?;
        let mut vault = self.vault.lock().await;
        if !self
            .profiles
            .claim(&id, false)
            .await
            .map_err(storage_error)?
        {
            return Err(EngineError::Invalid {
                field: None,
                message: "a new profile could not be claimed: try again".to_owned(),
            });
        }
        let store = self.profiles.open(&id).await.map_err(storage_error)?;
        let restored = match Vault::import_backup(store, file.as_bytes(), passphrase).await {
            Ok(restored) => restored,
            Err(error) => {
                // Leave nothing behind: the profile was new and is empty.
                self.profiles.release(&id);
                let _ = self.profiles.delete(&id).await;
                return Err(error.into());
            }
        };
        if let Some(previous) = self.current.borrow_mut().replace(id.clone()) {
            self.profiles.release(&previous);
        }
        self.end_session().await;
        self.load_session(&restored).await?;
        self.start_auto_lock(&restored).await?;
        let identity = self.identity_of(&restored).await?;
        *vault = Some(restored);
        Ok(Reply::Opened {
            profile: id,
            identity,
        })
    }

    pub(super) async fn list_profiles(&self) -> Result<Reply, EngineError> {
        let ids = self.profiles.list().await.map_err(storage_error)?;
        let current = self.current.borrow().clone();
        let mut profiles = Vec::with_capacity(ids.len());
        for id in ids {
            // Reading another profile's public records is safe while a tab
            // holds it: nothing is written.
            let store = self.profiles.open(&id).await.map_err(storage_error)?;
            let vault = Vault::open(store).await?;
            let npub = read_public(&vault, NPUB).await?;
            profiles.push(ProfileSummary { id, npub });
        }
        Ok(Reply::Profiles { profiles, current })
    }

    pub(super) async fn new_profile(&self) -> Result<Reply, EngineError> {
        let id = new_profile_id().map_err(invalid)?;
        self.open_profile(Some(id), false).await
    }

    pub(super) async fn delete_profile(
        &self,
        id: &str,
        confirmation: &str,
    ) -> Result<Reply, EngineError> {
        if !confirmation
            .trim()
            .eq_ignore_ascii_case(DELETE_CONFIRMATION)
        {
            return Err(EngineError::Invalid {
                field: None,
                message: format!("type “{DELETE_CONFIRMATION}” to confirm"),
            });
        }
        {
            let mut vault = self.vault.lock().await;
            let is_current = self.current.borrow().as_deref() == Some(id);
            if is_current {
                // Close it here first: deleting an open database would wait.
                *vault = None;
                *self.current.borrow_mut() = None;
                self.end_session().await;
            } else if !self
                .profiles
                .claim(id, false)
                .await
                .map_err(storage_error)?
            {
                return Err(EngineError::Invalid {
                    field: None,
                    message: "this profile is open in another tab: close it there first".to_owned(),
                });
            }
            self.profiles.delete(id).await.map_err(storage_error)?;
            self.profiles.release(id);
        }
        self.list_profiles().await
    }

    /// Another tab took the current profile over: stop using it here.
    pub async fn profile_taken_over(&self, id: &str) {
        let mut vault = self.vault.lock().await;
        if self.current.borrow().as_deref() != Some(id) {
            return;
        }
        *vault = None;
        *self.current.borrow_mut() = None;
        self.end_session().await;
        self.push(Event::Identity {
            identity: Identity::Elsewhere,
        });
    }
}
