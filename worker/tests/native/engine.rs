//! The engine's identity and vault commands, natively on the in-memory store.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{
    Command, EngineError, Event, ExportKind, ExtensionCall, Field, FromEngine, Identity,
    MnemonicProblem, Reply, Secret, SignerKind, WordCount,
};
use futures::StreamExt;
use nostr::nips::nip49::EncryptedSecretKey;
use nostr::{FromBech32, JsonUtil, Keys, ToBech32, UnsignedEvent};
use support::{engine, engine_in, NIP06_NPUB, NIP06_NSEC, NIP06_WORDS, PASSPHRASE};

fn restore() -> Command {
    Command::RestoreWallet {
        phrase: NIP06_WORDS.into(),
        passphrase: PASSPHRASE.into(),
    }
}

fn unlocked_npub(identity: &Identity) -> &str {
    match identity {
        Identity::Unlocked { npub, .. } => npub,
        other => panic!("expected unlocked, got {other:?}"),
    }
}

async_test! {
    fn restoring_the_nip06_words_gives_the_nip06_identity_and_survives_a_restart() {
        let browser = MemoryProfiles::new();
        let test = engine_in(&browser).await;
        let identity = test.identity(restore()).await;
        assert_eq!(
            identity,
            Identity::Unlocked {
                npub: NIP06_NPUB.into(),
                signer: SignerKind::Local,
                has_seed: true,
                auto_lock_minutes: flash_worker::vault::DEFAULT_AUTO_LOCK_MINUTES,
            }
        );

        // The tab closes; a new one opens the same profile: locked, but it
        // knows who it is.
        drop(test);
        let restarted = engine_in(&browser).await;
        assert_eq!(
            restarted.identity(Command::GetIdentity).await,
            Identity::Locked { npub: Some(NIP06_NPUB.into()) }
        );
        let unlocked = restarted.identity(Command::Unlock { passphrase: PASSPHRASE.into() }).await;
        assert_eq!(unlocked_npub(&unlocked), NIP06_NPUB);
        assert_eq!(
            restarted.send(Command::Export { secret: ExportKind::Nsec, passphrase: PASSPHRASE.into() }).await,
            Ok(Reply::Exported { text: NIP06_NSEC.into() })
        );
    }
}

async_test! {
    fn a_new_wallet_is_created_only_when_the_backup_check_matches() {
        let test = engine().await;
        let Ok(Reply::NewMnemonic { words, check_positions }) =
            test.send(Command::NewMnemonic { words: WordCount::Twelve }).await
        else {
            panic!("no mnemonic drawn");
        };
        assert_eq!(words.len(), 12);
        assert_eq!(check_positions.len(), 3);
        assert!(check_positions.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(check_positions.iter().all(|&position| (1..=12).contains(&position)));

        let wrong = vec![Secret::from("zoo"); 3];
        assert_eq!(
            test.send(Command::CreateWallet { backup_check: wrong, passphrase: PASSPHRASE.into() }).await,
            Err(EngineError::BackupMismatch)
        );
        assert_eq!(test.identity(Command::GetIdentity).await, Identity::None);

        let right: Vec<Secret> = check_positions
            .iter()
            .map(|&position| format!("  {} ", words[position - 1].expose().to_uppercase()).into())
            .collect();
        let identity = test
            .identity(Command::CreateWallet { backup_check: right, passphrase: PASSPHRASE.into() })
            .await;
        assert!(unlocked_npub(&identity).starts_with("npub1"));
        assert_eq!(
            test.send(Command::Export { secret: ExportKind::Mnemonic, passphrase: PASSPHRASE.into() }).await,
            Ok(Reply::Exported { text: words.iter().map(Secret::expose).collect::<Vec<_>>().join(" ").into() })
        );
        // Only one wallet per profile.
        assert_eq!(test.send(restore()).await, Err(EngineError::AlreadyExists));
    }
}

async_test! {
    fn typed_words_are_checked_with_suggestions() {
        let test = engine().await;
        let check = |phrase: String| test.send(Command::CheckMnemonic { phrase: phrase.into() });
        assert_eq!(check(NIP06_WORDS.into()).await, Ok(Reply::MnemonicCheck { problem: None }));
        assert_eq!(
            check("leader monkey".into()).await,
            Ok(Reply::MnemonicCheck { problem: Some(MnemonicProblem::WrongLength { count: 2 }) })
        );
        let Ok(Reply::MnemonicCheck { problem: Some(MnemonicProblem::UnknownWords { words }) }) =
            check(NIP06_WORDS.replace("monkey", "monkee")).await
        else {
            panic!("the typo was not found");
        };
        assert_eq!(words.len(), 1);
        assert_eq!(words[0].position, 2);
        assert!(words[0].suggestions.contains(&"monkey".to_owned()));

        let restored = test
            .send(Command::RestoreWallet {
                phrase: NIP06_WORDS.replace("leader monkey", "monkey leader").into(),
                passphrase: PASSPHRASE.into(),
            })
            .await;
        assert!(matches!(
            restored,
            Err(EngineError::BadMnemonic { problem: MnemonicProblem::BadChecksum, .. })
        ));
        assert_eq!(test.identity(Command::GetIdentity).await, Identity::None);
    }
}

async_test! {
    fn a_wrong_passphrase_changes_nothing_and_repeated_ones_slow_down() {
        let test = engine().await;
        test.identity(restore()).await;
        test.identity(Command::Lock).await;
        let mut delays = Vec::new();
        for _ in 0..5 {
            match test.send(Command::Unlock { passphrase: "guess".into() }).await {
                Err(EngineError::WrongPassphrase { retry_in_ms }) => delays.push(retry_in_ms),
                other => panic!("a wrong passphrase was answered with {other:?}"),
            }
            // Trying again before the delay is refused without a check.
            if let Some(&wait) = delays.last().filter(|&&wait| wait > 0) {
                assert!(matches!(
                    test.send(Command::Unlock { passphrase: PASSPHRASE.into() }).await,
                    Err(EngineError::TooSoon { .. })
                ));
                test.clock.advance(wait);
            }
        }
        assert!(delays.windows(2).all(|pair| pair[0] <= pair[1]), "delays {delays:?}");
        assert!(delays.last() > delays.first(), "delays {delays:?} never grew");
        assert_eq!(
            test.identity(Command::GetIdentity).await,
            Identity::Locked { npub: Some(NIP06_NPUB.into()) }
        );
        let unlocked = test.identity(Command::Unlock { passphrase: PASSPHRASE.into() }).await;
        assert_eq!(unlocked_npub(&unlocked), NIP06_NPUB);
    }
}

async_test! {
    fn exports_need_the_passphrase_and_the_ncryptsec_decrypts_to_the_key() {
        let test = engine().await;
        test.identity(restore()).await;
        let export = |secret, passphrase: &str| {
            test.send(Command::Export { secret, passphrase: passphrase.into() })
        };
        assert!(matches!(
            export(ExportKind::Nsec, "guess").await,
            Err(EngineError::WrongPassphrase { .. })
        ));
        let Ok(Reply::Exported { text }) = export(ExportKind::Ncryptsec, PASSPHRASE).await else {
            panic!("no ncryptsec");
        };
        let decrypted = EncryptedSecretKey::from_bech32(text.expose())
            .expect("an ncryptsec")
            .decrypt(PASSPHRASE)
            .expect("opens with the passphrase");
        assert_eq!(decrypted.to_bech32().expect("bech32"), NIP06_NSEC);

        test.identity(Command::Lock).await;
        assert_eq!(export(ExportKind::Mnemonic, PASSPHRASE).await, Err(EngineError::Locked));
    }
}

async_test! {
    fn a_changed_passphrase_replaces_the_old_one() {
        let test = engine().await;
        test.identity(restore()).await;
        assert_eq!(
            test.send(Command::ChangePassphrase { old: PASSPHRASE.into(), new: "better one".into() }).await,
            Ok(Reply::Done)
        );
        test.identity(Command::Lock).await;
        assert!(matches!(
            test.send(Command::Unlock { passphrase: PASSPHRASE.into() }).await,
            Err(EngineError::WrongPassphrase { .. })
        ));
        let unlocked = test.identity(Command::Unlock { passphrase: "better one".into() }).await;
        assert_eq!(unlocked_npub(&unlocked), NIP06_NPUB);
    }
}

async_test! {
    fn the_vault_locks_itself_after_the_chosen_idle_time_and_says_so() {
        let mut test = engine().await;
        test.identity(restore()).await;
        let identity = test.identity(Command::SetAutoLock { minutes: 5 }).await;
        assert!(matches!(identity, Identity::Unlocked { auto_lock_minutes: 5, .. }));

        test.clock.advance(4 * 60_000);
        test.engine.tick().await;
        assert!(matches!(test.identity(Command::GetIdentity).await, Identity::Unlocked { .. }));

        // The GetIdentity above was activity: five idle minutes from there.
        test.clock.advance(5 * 60_000 + 1);
        test.engine.tick().await;
        let pushed: Vec<FromEngine> = std::iter::from_fn(|| test.events.try_recv().ok()).collect();
        assert!(
            pushed.iter().any(|message| matches!(
                message,
                FromEngine::Event(Event::Identity { identity: Identity::Locked { .. } })
            )),
            "pushed {pushed:?}"
        );
        assert_eq!(
            test.send(Command::Export { secret: ExportKind::Nsec, passphrase: PASSPHRASE.into() }).await,
            Err(EngineError::Locked)
        );
    }
}

/// On tokio: waiting for the page has a timeout, and natively its timer is
/// tokio's.
#[tokio::test]
async fn an_extension_signs_in_only_by_signing_the_challenge_with_its_key() {
    {
        let keys = Keys::generate();
        let pubkey = keys.public_key().to_hex();

        let mut test = engine().await;
        let sign_in = Command::SignInWithExtension { pubkey };

        // Signed with another key: refused.
        let impostor = Keys::generate();
        let (refused, ()) = {
            let TestEngineParts { engine, events } = split(&mut test);
            futures::join!(
                engine.handle(sign_in.clone()),
                page(engine, events, |unsigned| {
                    Ok(unsigned.sign_with_keys(&impostor).expect("signs").as_json())
                })
            )
        };
        assert!(
            matches!(refused, Err(EngineError::Extension { .. })),
            "{refused:?}"
        );
        assert_eq!(test.identity(Command::GetIdentity).await, Identity::None);

        // The user refuses in the extension: the reason comes back.
        let (rejected, ()) = {
            let TestEngineParts { engine, events } = split(&mut test);
            futures::join!(
                engine.handle(sign_in.clone()),
                page(engine, events, |_| { Err("User rejected".to_owned()) })
            )
        };
        assert!(
            matches!(&rejected, Err(EngineError::Extension { reason }) if reason.contains("User rejected")),
            "{rejected:?}"
        );

        // The real extension: signed in, no seed yet, no secret exportable.
        let (accepted, ()) = {
            let TestEngineParts { engine, events } = split(&mut test);
            futures::join!(
                engine.handle(sign_in.clone()),
                page(engine, events, |unsigned| {
                    Ok(unsigned.sign_with_keys(&keys).expect("signs").as_json())
                })
            )
        };
        let npub = keys.public_key().to_bech32().expect("bech32");
        assert_eq!(
            accepted,
            Ok(Reply::Identity {
                identity: Identity::Unlocked {
                    npub: npub.clone(),
                    signer: SignerKind::Extension,
                    has_seed: false,
                    auto_lock_minutes: flash_worker::vault::DEFAULT_AUTO_LOCK_MINUTES,
                }
            })
        );

        // Adding a seed keeps the extension as the signer.
        let identity = test.identity(restore()).await;
        assert!(matches!(
            &identity,
            Identity::Unlocked { npub: kept, signer: SignerKind::Extension, has_seed: true, .. } if *kept == npub
        ));
        assert!(matches!(
            test.send(Command::Export {
                secret: ExportKind::Nsec,
                passphrase: PASSPHRASE.into()
            })
            .await,
            Err(EngineError::Invalid { .. })
        ));
    }
}

struct TestEngineParts<'a> {
    engine: &'a flash_worker::engine::Engine<MemoryProfiles>,
    events: &'a mut futures::channel::mpsc::UnboundedReceiver<FromEngine>,
}

fn split(test: &mut support::TestEngine) -> TestEngineParts<'_> {
    TestEngineParts {
        engine: &test.engine,
        events: &mut test.events,
    }
}

/// The page's side: waits for the engine's sign request and answers it.
async fn page(
    engine: &flash_worker::engine::Engine<MemoryProfiles>,
    events: &mut futures::channel::mpsc::UnboundedReceiver<FromEngine>,
    sign: impl Fn(UnsignedEvent) -> Result<String, String>,
) {
    while let Some(message) = events.next().await {
        if let FromEngine::Event(Event::ExtensionRequest {
            request_id,
            call: ExtensionCall::SignEvent { event },
        }) = message
        {
            let unsigned = UnsignedEvent::from_json(&event).expect("an unsigned event");
            engine
                .handle(Command::ExtensionAnswer {
                    request_id,
                    outcome: sign(unsigned).map(Into::into),
                })
                .await
                .expect("delivered");
            return;
        }
    }
}

async_test! {
    fn a_second_tab_is_told_the_profile_is_open_elsewhere_and_may_take_it_over() {
        let browser = MemoryProfiles::new();
        let first = engine_in(&browser).await;
        first.identity(restore()).await;
        let mut lost = first.engine.lost_profiles().expect("first call");

        let second = support::started_engine_in(&browser);
        let open = |take_over| Command::OpenProfile { profile: Some(support::PROFILE.into()), take_over };
        assert_eq!(
            second.send(open(false)).await,
            Ok(Reply::Opened { profile: support::PROFILE.into(), identity: Identity::Elsewhere })
        );
        assert_eq!(
            second.send(open(true)).await,
            Ok(Reply::Opened {
                profile: support::PROFILE.into(),
                identity: Identity::Locked { npub: Some(NIP06_NPUB.into()) },
            })
        );

        // The first tab hears it lost the profile and stops using it.
        let taken = lost.next().await.expect("told");
        first.engine.profile_taken_over(&taken).await;
        let pushed: Vec<FromEngine> = {
            let mut first = first;
            let pushed = std::iter::from_fn(|| first.events.try_recv().ok()).collect();
            assert!(matches!(
                first.send(Command::Export { secret: ExportKind::Nsec, passphrase: PASSPHRASE.into() }).await,
                Err(EngineError::Storage { .. })
            ));
            pushed
        };
        assert!(pushed.iter().any(|message| matches!(
            message,
            FromEngine::Event(Event::Identity { identity: Identity::Elsewhere })
        )));
        let unlocked = second.identity(Command::Unlock { passphrase: PASSPHRASE.into() }).await;
        assert_eq!(unlocked_npub(&unlocked), NIP06_NPUB);
    }
}

async_test! {
    fn profiles_are_listed_added_and_deleted_only_with_the_typed_confirmation() {
        let test = engine().await;
        test.identity(restore()).await;
        let Ok(Reply::Opened { profile: added, identity: Identity::None }) =
            test.send(Command::NewProfile).await
        else {
            panic!("no new profile");
        };
        assert_ne!(added, support::PROFILE);

        let Ok(Reply::Profiles { profiles, current }) = test.send(Command::ListProfiles).await else {
            panic!("no list");
        };
        assert_eq!(current.as_deref(), Some(added.as_str()));
        assert_eq!(profiles.len(), 2);
        let main = profiles.iter().find(|profile| profile.id == support::PROFILE).expect("listed");
        assert_eq!(main.npub.as_deref(), Some(NIP06_NPUB));

        let delete = |confirmation: &str| Command::DeleteProfile {
            profile: support::PROFILE.into(),
            confirmation: confirmation.into(),
        };
        assert!(matches!(test.send(delete("yes")).await, Err(EngineError::Invalid { .. })));
        let Ok(Reply::Profiles { profiles, .. }) = test.send(delete("delete")).await else {
            panic!("not deleted");
        };
        assert_eq!(profiles.iter().map(|profile| profile.id.as_str()).collect::<Vec<_>>(), [added.as_str()]);

        // Reopening the deleted id starts from nothing.
        let reopened = test
            .send(Command::OpenProfile { profile: Some(support::PROFILE.into()), take_over: false })
            .await;
        assert!(matches!(reopened, Ok(Reply::Opened { identity: Identity::None, .. })), "{reopened:?}");
    }
}

async_test! {
    fn an_imported_nsec_or_ncryptsec_becomes_the_identity_and_can_get_a_seed_later() {
        let test = engine().await;
        let import = |key: &str, key_password: &str| Command::ImportKey {
            key: key.into(),
            key_password: key_password.into(),
            passphrase: PASSPHRASE.into(),
        };
        assert!(matches!(test.send(import("nsec1nope", "")).await, Err(EngineError::Invalid { .. })));
        let identity = test.identity(import(NIP06_NSEC, "")).await;
        assert!(matches!(
            &identity,
            Identity::Unlocked { npub, signer: SignerKind::Local, has_seed: false, .. } if npub == NIP06_NPUB
        ));

        // Adding a seed keeps the imported key as the identity.
        let added = test
            .identity(Command::RestoreWallet {
                phrase: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about".into(),
                passphrase: PASSPHRASE.into(),
            })
            .await;
        assert!(matches!(
            &added,
            Identity::Unlocked { npub, has_seed: true, .. } if npub == NIP06_NPUB
        ));
        test.identity(Command::Lock).await;
        test.identity(Command::Unlock { passphrase: PASSPHRASE.into() }).await;
        assert_eq!(
            test.send(Command::Export { secret: ExportKind::Nsec, passphrase: PASSPHRASE.into() }).await,
            Ok(Reply::Exported { text: NIP06_NSEC.into() })
        );

        // An ncryptsec opens only with its own password.
        let secret = nostr::SecretKey::from_bech32(NIP06_NSEC).expect("nsec");
        let ncryptsec = EncryptedSecretKey::new(&secret, "key password", 4, nostr::nips::nip49::KeySecurity::Medium)
            .expect("encrypts")
            .to_bech32()
            .expect("bech32");
        let other = engine().await;
        assert!(matches!(
            other.send(import(&ncryptsec, "wrong")).await,
            Err(EngineError::Invalid { field: Some(Field::Key), message }) if message.contains("password")
        ));
        let identity = other.identity(import(&ncryptsec, "key password")).await;
        assert_eq!(unlocked_npub(&identity), NIP06_NPUB);
    }
}

async_test! {
    fn a_watched_npub_is_read_only() {
        let test = engine().await;
        assert!(matches!(
            test.send(Command::WatchNpub { npub: "npub1nope".into() }).await,
            Err(EngineError::Invalid { .. })
        ));
        let identity = test.identity(Command::WatchNpub { npub: NIP06_NPUB.into() }).await;
        assert!(matches!(
            &identity,
            Identity::Unlocked { npub, signer: SignerKind::ReadOnly, has_seed: false, .. } if npub == NIP06_NPUB
        ));
        assert!(matches!(test.send(restore()).await, Err(EngineError::Invalid { .. })));
    }
}

async_test! {
    fn a_backup_file_restores_the_profile_in_another_browser_with_its_passphrase_only() {
        let test = engine().await;
        test.identity(restore()).await;
        assert!(matches!(
            test.send(Command::ExportBackup { passphrase: "guess".into() }).await,
            Err(EngineError::WrongPassphrase { .. })
        ));
        let Ok(Reply::Backup { file }) =
            test.send(Command::ExportBackup { passphrase: PASSPHRASE.into() }).await
        else {
            panic!("no backup");
        };
        for word in NIP06_WORDS.split(' ') {
            assert!(!file.contains(word), "the backup shows the word {word}");
        }
        assert!(!file.contains(NIP06_NSEC));

        let elsewhere = support::started_engine_in(&MemoryProfiles::new());
        let import = |passphrase: &str| Command::ImportBackup { file: file.clone(), passphrase: passphrase.into() };
        assert!(matches!(
            elsewhere.send(import("guess")).await,
            Err(EngineError::WrongPassphrase { .. })
        ));
        let Ok(Reply::Profiles { profiles, .. }) = elsewhere.send(Command::ListProfiles).await else {
            panic!("no list");
        };
        assert!(profiles.is_empty(), "a failed import left {profiles:?}");

        let Ok(Reply::Opened { identity, .. }) = elsewhere.send(import(PASSPHRASE)).await else {
            panic!("not restored");
        };
        assert_eq!(unlocked_npub(&identity), NIP06_NPUB);
        assert_eq!(
            elsewhere.send(Command::Export { secret: ExportKind::Mnemonic, passphrase: PASSPHRASE.into() }).await,
            Ok(Reply::Exported { text: NIP06_WORDS.into() })
        );
        let garbage = elsewhere.send(Command::ImportBackup { file: "{\"not\":\"a backup\"}".into(), passphrase: PASSPHRASE.into() }).await;
        assert!(matches!(garbage, Err(EngineError::Invalid { .. })), "{garbage:?}");
    }
}

async_test! {
    fn onboarding_cut_short_after_the_vault_was_created_can_be_finished() {
        use flash_worker::profiles::ProfileStores;
        let browser = MemoryProfiles::new();
        let test = engine_in(&browser).await;
        let store = browser.open(support::PROFILE).await.expect("store");
        // The vault's creation is written, then the tab closes.
        store.fail_after_writes(1);
        assert!(matches!(test.send(restore()).await, Err(EngineError::Storage { .. })));
        drop(test);
        store.heal();

        let reopened = engine_in(&browser).await;
        assert_eq!(
            reopened.identity(Command::GetIdentity).await,
            Identity::Locked { npub: None }
        );
        assert_eq!(
            reopened.identity(Command::Unlock { passphrase: PASSPHRASE.into() }).await,
            Identity::None
        );
        // Finishing needs the passphrase chosen the first time.
        assert!(matches!(
            reopened
                .send(Command::RestoreWallet { phrase: NIP06_WORDS.into(), passphrase: "another".into() })
                .await,
            Err(EngineError::WrongPassphrase { .. })
        ));
        let finished = reopened.identity(restore()).await;
        assert_eq!(unlocked_npub(&finished), NIP06_NPUB);
    }
}

/// Virtual time: the two minutes pass at once, with no real waiting.
#[tokio::test(start_paused = true)]
async fn an_extension_that_never_answers_is_given_up_with_a_reason() {
    let test = engine().await;
    let pubkey = Keys::generate().public_key().to_hex();
    let answer = test.send(Command::SignInWithExtension { pubkey }).await;
    assert!(
        matches!(&answer, Err(EngineError::Extension { reason }) if reason.contains("did not answer")),
        "{answer:?}"
    );
    assert_eq!(test.identity(Command::GetIdentity).await, Identity::None);
}
