//! Words for messages: how a value the user wrote is shown, lists of valid
//! names, and the nearest valid name to a misspelling. The bottom layer:
//! it knows nothing of scenarios or the model.

/// A value as a user wrote it, for error messages.
pub fn describe_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("the text \"{s}\""),
        toml::Value::Table(_) => "a table".into(),
        toml::Value::Array(_) => "a list".into(),
        other => other.to_string(),
    }
}

/// `a`, `b` or `c`, for messages.
pub fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough
/// to be a plausible misspelling.
pub fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// A fix for a number written as text (empty when there is none), to
/// follow "found ...": `"50%"` is 0.5, `"100,000"` is 100000.
pub fn number_text_hint(s: &str) -> String {
    let t = s.trim();
    if let Some(p) = t
        .strip_suffix('%')
        .and_then(|p| p.trim().parse::<f64>().ok())
    {
        return format!(
            ": write {} without quotes (shares are fractions)",
            p / 100.0
        );
    }
    let digits: String = t.chars().filter(|c| *c != ',' && *c != '_').collect();
    if t.contains(',') && digits.parse::<f64>().is_ok() {
        return format!(": write {digits} without quotes or commas");
    }
    if t.parse::<f64>().is_ok_and(f64::is_finite) {
        return format!(": write {t} without quotes");
    }
    String::new()
}

/// A fix for a share written as a percentage (`60` for 0.6), to follow
/// "found ..."; empty when the value is no percentage.
pub fn share_hint(x: f64) -> String {
    // Percentages are written as whole numbers (50, 60): 1.0001 is a slip,
    // not 0.010001.
    if (2.0..=100.0).contains(&x) && x.fract() == 0.0 {
        format!(
            ": write {} (shares are fractions of 1, not percentages)",
            x / 100.0
        )
    } else {
        String::new()
    }
}
