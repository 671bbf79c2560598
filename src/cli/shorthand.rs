//! Watson's short form for `stint start` and `stint log`: `stint start Website +design hero
//! layout` is `stint start "hero layout" -p Website -t design`.

/// What the free words of a start or a log say.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Words {
    /// The project named by the first word, when the words name one (see [`split`]).
    pub project: Option<String>,
    /// The `+tag` words, without their `+`, in order.
    pub tags: Vec<String>,
    /// The other words joined by spaces; `None` when there are none.
    pub description: Option<String>,
}

/// A word `+name` (a `+` then at least one character, no whitespace) names the tag `name`.
fn tag(word: &str) -> Option<&str> {
    word.strip_prefix('+')
        .filter(|t| !t.is_empty() && !t.chars().any(char::is_whitespace))
}

/// Splits the free words of `stint start` / `stint log`, Watson's way:
/// - every `+tag` word is a tag;
/// - without `-p`, the first of two or more words is the project when it is not a tag and
///   either the next word is a `+tag` or `is_project` says it names an existing project
///   (`is_project` is asked only then);
/// - the remaining words, joined by spaces, are the description.
///
/// A single word (`stint start "Homepage hero"`) is always a description or a tag, so the
/// one-argument form of earlier versions means what it meant.
pub(crate) fn split(
    words: &[String],
    project_given: bool,
    is_project: impl Fn(&str) -> bool,
) -> Words {
    let mut rest: &[String] = words;
    let mut project = None;
    if let [first, next, ..] = words
        && !project_given
        && tag(first).is_none()
        && (tag(next).is_some() || is_project(first))
    {
        project = Some(first.clone());
        rest = &words[1..];
    }
    let tags = rest
        .iter()
        .filter_map(|w| tag(w))
        .map(str::to_owned)
        .collect();
    let plain: Vec<&str> = rest
        .iter()
        .filter(|w| tag(w).is_none())
        .map(String::as_str)
        .collect();
    Words {
        project,
        tags,
        description: (!plain.is_empty()).then(|| plain.join(" ")),
    }
}
