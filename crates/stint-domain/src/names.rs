//! Names of projects, clients and tags: the folded key under which names are looked up and kept
//! unique, and the ranking of close matches for an unknown name.
//!
//! Rules:
//! - Two names are the same name when their keys are equal. The key is the name trimmed,
//!   normalised (NFKC), Unicode case-folded (full folding: `Straße` and `STRASSE` match) and
//!   normalised again, so `Übersetzung`, `übersetzung` and `UBERSETZUNG`-with-umlaut match in
//!   every script, and a composed `é` matches a decomposed one.
//! - Close matches rank names containing the reference (or contained in it) first, then by
//!   Jaro-Winkler similarity of the keys; ties by key. Only the first `SCORED_CHARS` characters
//!   of a key are scored, so ranking costs at most a fixed amount per candidate.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// Characters of a key that [`closest`] compares.
pub(crate) const SCORED_CHARS: usize = 64;

/// The folded key of a name: trimmed, NFKC, Unicode default case folding, NFKC.
///
/// Equal keys mean "the same name" for lookups and for uniqueness (a project name per client,
/// client and tag names overall).
pub fn name_key(name: &str) -> String {
    name.trim()
        .nfkc()
        .default_case_fold()
        .nfkc()
        .collect::<String>()
}

/// The most characters (after trimming) a looked-up name may have and still name something:
/// stored names have at most [`super::limits::MAX_NAME_CHARS`] characters, and normalising can
/// shorten a text (a decomposed `é` is two characters) by at most a few times, never by more
/// than four here. Longer inputs are not folded at all.
pub(crate) const MAX_LOOKUP_CHARS: usize = 4 * super::limits::MAX_NAME_CHARS;

/// The key to look `name` up under, or `None` when it is too long to be any stored name
/// (over `MAX_LOOKUP_CHARS` characters): an oversized reference is answered "not found"
/// without folding megabytes.
pub fn lookup_key(name: &str) -> Option<String> {
    let name = name.trim();
    name.char_indices()
        .nth(MAX_LOOKUP_CHARS)
        .is_none()
        .then(|| name_key(name))
}

/// Close matches to `reference` among `candidates` (names as stored), best first.
///
/// Returns the indices into `candidates` of at most `limit` matches. A candidate whose key
/// contains the reference's key (or is contained in it) ranks before any other; then by
/// Jaro-Winkler similarity of the keys (1.0 = equal); ties by key then index.
pub fn closest<S: AsRef<str>>(reference: &str, candidates: &[S], limit: usize) -> Vec<usize> {
    let cut = |k: String| -> String { k.chars().take(SCORED_CHARS).collect() };
    // Only the start of the reference is scored; fold no more of it than that needs.
    let start: String = reference.trim().chars().take(4 * SCORED_CHARS).collect();
    let wanted = cut(name_key(&start));
    let mut scored: Vec<(bool, f64, String, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let key = cut(name_key(c.as_ref()));
            let contains =
                !wanted.is_empty() && (key.contains(&wanted) || wanted.contains(key.as_str()));
            let score = strsim::jaro_winkler(&wanted, &key);
            (contains, score, key, i)
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then_with(|| a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    scored.into_iter().take(limit).map(|s| s.3).collect()
}

/// Most edits (insertions, deletions, substitutions, swaps of neighbours) between two names
/// that [`near_name`] takes for a typo.
pub(crate) const NEAR_EDITS: usize = 2;

/// The first of `existing` that `given` is likely a misspelling of, for refusing to create a
/// near-duplicate project or tag on the fly (`stint log -p migraton` next to "Migration").
///
/// Near means: equal once case and accents are ignored (`Cafe` and `Café`), or at most
/// `NEAR_EDITS` edits apart (optimal string alignment distance of the [`name_key`]s), where
/// each edit needs three characters of the shorter name (`ux` is not near `qa`, `desing` is
/// near `design`). A name equal to an existing one (same key) is not near: it *is* that name.
pub fn near_name<S: AsRef<str>>(given: &str, existing: &[S]) -> Option<usize> {
    let key = |s: &str| -> Vec<char> { name_key(s).chars().take(SCORED_CHARS).collect() };
    let bare = |k: &[char]| -> String {
        k.iter()
            .collect::<String>()
            .nfkd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .collect()
    };
    let wanted = key(given);
    if wanted.is_empty() {
        return None;
    }
    let wanted_bare = bare(&wanted);
    existing.iter().position(|e| {
        let k = key(e.as_ref());
        if k == wanted || k.is_empty() {
            return false;
        }
        if bare(&k) == wanted_bare {
            return true;
        }
        let a: String = wanted.iter().collect();
        let b: String = k.iter().collect();
        let d = strsim::osa_distance(&a, &b);
        d <= NEAR_EDITS && wanted.len().min(k.len()) >= 3 * d
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_fold_only_what_can_name_something() {
        // The longest stored name, even written decomposed (two characters per letter), is
        // looked up under its key.
        let stored = "é".repeat(crate::limits::MAX_NAME_CHARS);
        let decomposed = "e\u{301}".repeat(crate::limits::MAX_NAME_CHARS);
        assert_eq!(lookup_key(&decomposed), Some(name_key(&stored)));
        assert_eq!(lookup_key("  Acme "), Some("acme".to_owned()));
        // Anything longer than that names nothing, and is not folded.
        assert_eq!(lookup_key(&"x".repeat(MAX_LOOKUP_CHARS + 1)), None);
        assert_eq!(lookup_key(&"x".repeat(1 << 20)), None);
        // Close matches score the start of a long reference.
        let names = ["xxxx", "Website"];
        assert_eq!(closest(&"x".repeat(1 << 20), &names, 1), vec![0]);
    }

    #[test]
    fn keys_fold_every_script() {
        assert_eq!(name_key("Übersetzung"), name_key("übersetzung"));
        assert_eq!(name_key("Été"), name_key("été"));
        assert_eq!(name_key("  Straße "), name_key("STRASSE"));
        assert_eq!(name_key("ΣΟΦΙΑ"), name_key("σοφια"));
        assert_eq!(name_key("Привет"), name_key("привет"));
        // Composed and decomposed é; the fi ligature; full-width letters.
        assert_eq!(name_key("caf\u{e9}"), name_key("cafe\u{301}"));
        assert_eq!(name_key("\u{fb01}le"), name_key("FILE"));
        assert_eq!(name_key("ＡＢＣ"), name_key("abc"));
        assert_ne!(name_key("été"), name_key("ete"));
        assert_eq!(name_key("Acme"), "acme");
    }

    #[test]
    fn closest_ranks_containing_then_similar() {
        let names = [
            "Website Redesign",
            "Webshop",
            "Mobile App",
            "Übersetzung",
            "Backend",
            "website",
        ];
        let got: Vec<&str> = closest("websit", &names, 3)
            .into_iter()
            .map(|i| names[i])
            .collect();
        assert_eq!(got, ["website", "Website Redesign", "Webshop"]);
        let got = closest("UEBERSETZUNG", &names, 1);
        assert_eq!(names[got[0]], "Übersetzung");
        assert_eq!(closest("x", &names, 100).len(), names.len());
        assert!(closest("x", &[] as &[&str], 10).is_empty());
        // Long inputs cost a bounded amount and do not panic.
        let long = "ä".repeat(10_000);
        assert_eq!(closest(&long, &names, 2).len(), 2);
    }
}
