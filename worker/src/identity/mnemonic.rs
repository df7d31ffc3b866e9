//! BIP39 recovery phrases: creating one, reading one back with help for
//! typos, and autocomplete while the user types.
//!
//! Only the English word list is accepted: it is what every wallet the user
//! may restore into or from understands.

use core::fmt;

use bip39::Language;
use zeroize::{Zeroize, Zeroizing};

/// The phrase lengths BIP39 allows.
const VALID_LENGTHS: [usize; 5] = [12, 15, 18, 21, 24];

/// At most this many suggestions per mistyped word.
const MAX_SUGGESTIONS: usize = 3;

/// At most this many words offered while typing.
const MAX_COMPLETIONS: usize = 5;

/// A word further than this many edits away is not offered as a correction:
/// beyond two typos the guesses stop being helpful.
const MAX_EDIT_DISTANCE: usize = 2;

/// English BIP39 words differ in their first four letters, so sharing them
/// with a word names it almost surely.
const UNIQUE_PREFIX: usize = 4;

/// How long a new phrase is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordCount {
    /// 128 bits of entropy.
    Twelve,
    /// 256 bits of entropy.
    TwentyFour,
}

impl WordCount {
    pub fn words(self) -> usize {
        match self {
            Self::Twelve => 12,
            Self::TwentyFour => 24,
        }
    }

    fn entropy_bytes(self) -> usize {
        match self {
            Self::Twelve => 16,
            Self::TwentyFour => 32,
        }
    }
}

/// A valid BIP39 phrase (English word list, checksum verified).
///
/// The words are wiped from memory when it is dropped, and neither `Debug`
/// nor any other formatting prints them: only [`Mnemonic::phrase`] and
/// [`Mnemonic::words`] reveal them, for the backup screen.
#[derive(Clone, PartialEq, Eq)]
pub struct Mnemonic(bip39::Mnemonic);

impl Mnemonic {
    /// The phrase, words separated by single spaces.
    pub fn phrase(&self) -> Zeroizing<String> {
        let mut phrase = Zeroizing::new(String::with_capacity(self.word_count() * 9));
        for (i, word) in self.0.words().enumerate() {
            if i > 0 {
                phrase.push(' ');
            }
            phrase.push_str(word);
        }
        phrase
    }

    /// The words in order, for the backup screen. They are entries of the
    /// static word list, so holding them copies no secret.
    pub fn words(&self) -> Vec<&'static str> {
        self.0.words().collect()
    }

    pub fn word_count(&self) -> usize {
        self.0.word_count()
    }

    /// The 64-byte BIP39 seed, with an empty passphrase: every key of the
    /// identity comes from it.
    pub fn to_seed(&self) -> Zeroizing<[u8; 64]> {
        Zeroizing::new(self.0.to_seed_normalized(""))
    }
}

impl fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mnemonic")
            .field("word_count", &self.word_count())
            .finish_non_exhaustive()
    }
}

/// Why a new phrase could not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    #[error("this device gave no secure randomness ({reason}), so no recovery phrase was created; try again, or use an up-to-date browser")]
    NoRandomness { reason: String },
    #[error("the new recovery phrase could not be encoded ({reason}); try again")]
    Encoding { reason: String },
}

/// Creates a new phrase from the system's secure random source.
pub fn generate(words: WordCount) -> Result<Mnemonic, GenerateError> {
    let mut entropy = Zeroizing::new([0u8; 32]);
    let entropy = &mut entropy[..words.entropy_bytes()];
    getrandom::fill(entropy).map_err(|error| GenerateError::NoRandomness {
        reason: error.to_string(),
    })?;
    bip39::Mnemonic::from_entropy_in(Language::English, entropy)
        .map(Mnemonic)
        .map_err(|error| GenerateError::Encoding {
            reason: error.to_string(),
        })
}

/// Why a typed phrase is not a valid recovery phrase.
///
/// The messages name positions, never the words, so logging an error leaks
/// nothing of the phrase; the UI reads the words and suggestions from the
/// fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MnemonicError {
    #[error("a recovery phrase has 12, 15, 18, 21 or 24 words, not {count}")]
    WrongLength { count: usize },
    #[error("{}", unknown_words_message(.0))]
    UnknownWords(Vec<UnknownWord>),
    #[error(
        "every word is valid but the checksum is not: a word is probably wrong or out of order"
    )]
    BadChecksum,
}

/// A typed word that is not in the English BIP39 list.
#[derive(Clone, PartialEq, Eq)]
pub struct UnknownWord {
    /// 1-based, as the user counts.
    pub position: usize,
    /// The word as normalised (trimmed, lowercase).
    pub word: String,
    /// Up to three list words it was probably meant to be, best first.
    pub suggestions: Vec<&'static str>,
}

impl fmt::Debug for UnknownWord {
    // The word and its suggestions are most of a word of the phrase.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnknownWord")
            .field("position", &self.position)
            .field("suggestions", &self.suggestions.len())
            .finish_non_exhaustive()
    }
}

impl Drop for UnknownWord {
    fn drop(&mut self) {
        self.word.zeroize();
    }
}

fn unknown_words_message(words: &[UnknownWord]) -> String {
    let positions: Vec<String> = words.iter().map(|w| w.position.to_string()).collect();
    match positions.as_slice() {
        [one] => format!("word {one} is not in the BIP39 English word list: check its spelling"),
        [init @ .., last] => format!(
            "words {} and {last} are not in the BIP39 English word list: check their spelling",
            init.join(", ")
        ),
        [] => "every word is in the BIP39 English word list".to_owned(),
    }
}

/// Reads a typed or pasted phrase.
///
/// Case and extra whitespace are ignored. Every word is checked, so the user
/// sees all typos at once, each with suggestions, before the checksum is.
pub fn parse(phrase: &str) -> Result<Mnemonic, MnemonicError> {
    let normalised = Zeroizing::new(phrase.to_lowercase());
    let words: Vec<&str> = normalised.split_whitespace().collect();
    if !VALID_LENGTHS.contains(&words.len()) {
        return Err(MnemonicError::WrongLength { count: words.len() });
    }

    let unknown: Vec<UnknownWord> = words
        .iter()
        .enumerate()
        .filter(|(_, word)| Language::English.find_word(word).is_none())
        .map(|(i, word)| UnknownWord {
            position: i + 1,
            word: (*word).to_owned(),
            suggestions: corrections(word),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(MnemonicError::UnknownWords(unknown));
    }

    let joined = Zeroizing::new(words.join(" "));
    match bip39::Mnemonic::parse_in_normalized(Language::English, &joined) {
        Ok(mnemonic) => Ok(Mnemonic(mnemonic)),
        Err(bip39::Error::InvalidChecksum) => Err(MnemonicError::BadChecksum),
        // Length and words were checked above, so only the checksum can fail;
        // should bip39 disagree, say so in terms the user can act on.
        Err(bip39::Error::BadWordCount(count)) => Err(MnemonicError::WrongLength { count }),
        Err(_) => Err(MnemonicError::BadChecksum),
    }
}

/// List words starting with what the user has typed so far, for
/// autocomplete: at most five, in list order. Empty input offers nothing.
pub fn suggest(prefix: &str) -> Vec<&'static str> {
    let prefix = prefix.trim().to_lowercase();
    if prefix.is_empty() {
        return Vec::new();
    }
    Language::English
        .words_by_prefix(&prefix)
        .iter()
        .take(MAX_COMPLETIONS)
        .copied()
        .collect()
}

/// The list words a mistyped word was most likely meant to be.
///
/// Closest first by edit distance, counting swapped neighbours as one typo,
/// with two boosts from BIP39's first-four-letters rule: a word the typed
/// one abbreviates (three letters or more) comes first whatever the
/// distance, and one sharing the first four letters counts one typo less.
/// Ties go to the fewer real edits, then to the longer shared beginning.
fn corrections(typed: &str) -> Vec<&'static str> {
    let abbreviates = |word: &str| typed.chars().count() >= 3 && word.starts_with(typed);
    let mut candidates: Vec<(usize, usize, usize, &'static str)> = Language::English
        .word_list()
        .iter()
        .filter_map(|&word| {
            let shared = common_prefix(typed, word);
            let distance = strsim::osa_distance(typed, word);
            let rank = if abbreviates(word) {
                0
            } else if shared >= UNIQUE_PREFIX {
                distance.saturating_sub(1)
            } else if distance <= MAX_EDIT_DISTANCE {
                distance
            } else {
                return None;
            };
            Some((rank, distance, shared, word))
        })
        .collect();
    candidates.sort_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then(b.2.cmp(&a.2))
            .then(a.3.cmp(b.3))
    });
    candidates
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(.., word)| word)
        .collect()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}
