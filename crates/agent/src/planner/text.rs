//! Normalisation, tokens, a light stemmer and typo correction for business questions.

use chrono::NaiveDate;
use std::collections::BTreeSet;

/// One token of a question.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A word, stemmed (`sales` -> `sal`), after abbreviation expansion and typo correction.
    Word(String),
    /// A number; `glued` when it followed letters in one raw token (`s3`, `q3`, `v4`).
    Num { value: f64, percent: bool, currency: bool, hash: bool, glued: bool },
    /// An ISO date.
    Date(NaiveDate),
    /// A raw lower-case identifier kept whole (contains `_`, `@`, `.` or matched a dictionary).
    Ident(String),
    /// Punctuation that may end a clause (`,` `;` `?` `!` `.`).
    Break,
}

impl Tok {
    pub(crate) fn word(&self) -> Option<&str> {
        match self {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }

    pub(crate) fn is(&self, stem: &str) -> bool {
        self.word() == Some(stem)
    }
}

/// Abbreviations and shorthand, expanded before stemming (raw lower-case forms).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("nxt", "next"),
    ("wk", "week"),
    ("wks", "weeks"),
    ("wkly", "weekly"),
    ("qty", "quantity"),
    ("qtys", "quantity"),
    ("fcst", "forecast"),
    ("fcast", "forecast"),
    ("fc", "forecast"),
    ("mo", "month"),
    ("mos", "months"),
    ("mth", "month"),
    ("mths", "months"),
    ("yr", "year"),
    ("yrs", "years"),
    ("qtr", "quarter"),
    ("qtrs", "quarters"),
    ("ytd", "year to date"),
    ("mtd", "month to date"),
    ("qtd", "quarter to date"),
    ("wtd", "week to date"),
    ("oos", "out of stock"),
    ("sl", "service level"),
    ("csl", "service level"),
    ("lt", "lead time"),
    ("rop", "reorder point"),
    ("ss", "safety stock"),
    ("pls", "please"),
    ("plz", "please"),
    ("thx", "thanks"),
    ("rev", "revenue"),
    ("avg", "average"),
    ("xmas", "christmas"),
    ("bf", "black friday"),
    ("prev", "previous"),
    ("prod", "production"),
    ("w/", "with"),
    ("w/o", "without"),
    ("b/c", "because"),
    ("bc", "because"),
    ("vs.", "vs"),
    ("v.", "vs"),
    ("re-order", "reorder"),
    ("re-stock", "restock"),
    ("st", "store"),
    ("str", "store"),
    ("itm", "item"),
    ("thru", "through"),
    ("til", "until"),
    ("till", "until"),
    ("tmrw", "tomorrow"),
    ("tmr", "tomorrow"),
    ("u", "you"),
    ("r", "are"),
    ("pct", "percent"),
    ("dept", "department"),
    // Contractions typed without the apostrophe.
    ("whats", "what is"),
    ("hows", "how is"),
    ("wheres", "where is"),
    ("whos", "who is"),
    ("thats", "that is"),
];

const NUMBER_WORDS: &[(&str, f64)] = &[
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("fifteen", 15.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("sixty", 60.0),
    ("ninety", 90.0),
];

const IRREGULAR: &[(&str, &str)] = &[
    ("sold", "sell"),
    ("sells", "sell"),
    ("selling", "sell"),
    ("fell", "fall"),
    ("fallen", "fall"),
    ("falling", "fall"),
    ("went", "go"),
    ("gone", "go"),
    ("going", "go"),
    ("goes", "go"),
    ("bought", "buy"),
    ("did", "do"),
    ("does", "do"),
    ("done", "do"),
    ("was", "be"),
    ("were", "be"),
    ("is", "be"),
    ("are", "be"),
    ("been", "be"),
    ("am", "be"),
    ("has", "have"),
    ("had", "have"),
    ("lost", "lose"),
    ("losing", "lose"),
    ("rose", "rise"),
    ("risen", "rise"),
    ("this", "this"),
    ("its", "it"),
    ("us", "us"),
    ("plus", "plus"),
    ("less", "less"),
    ("news", "news"),
    ("series", "series"),
    ("analysis", "analysis"),
    ("always", "always"),
    ("dates", "date"),
    ("shelves", "shelf"),
];

/// A light suffix stemmer; both lexicon and questions pass through it, so only consistency matters.
pub(crate) fn stem(word: &str) -> String {
    let irregular = IRREGULAR.iter().find(|(w, _)| *w == word).map(|(_, s)| *s);
    let mut w = irregular.unwrap_or(word).to_string();
    if irregular.is_some() {
        strip_e(&mut w);
        return w;
    }
    let n = w.chars().count();
    if n > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if n > 5 && w.ends_with("ing") {
        w.truncate(w.len() - 3);
        undouble(&mut w);
    } else if n > 4 && w.ends_with("ed") {
        w.truncate(w.len() - 2);
        undouble(&mut w);
    } else if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w.pop();
    }
    strip_e(&mut w);
    w
}

fn strip_e(w: &mut String) {
    if w.chars().count() > 3 && w.ends_with('e') && !w.ends_with("ee") {
        w.pop();
    }
}

fn undouble(w: &mut String) {
    let b = w.as_bytes();
    let n = b.len();
    if n >= 2 && b[n - 1] == b[n - 2] && !b"lsz".contains(&b[n - 1]) && !b"aeiou".contains(&b[n - 1]) {
        w.pop();
    }
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
pub(crate) fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// Words a question may use: lexicon words (raw forms, for typo correction) and the stems
/// of every known word (to leave known words alone).
#[derive(Debug, Default)]
pub(crate) struct KnownWords {
    pub(crate) raw: BTreeSet<String>,
    pub(crate) stems: BTreeSet<String>,
}

impl KnownWords {
    /// The lexicon word closest to an unknown `word`, when one is unambiguously close.
    fn correct(&self, word: &str) -> Option<&str> {
        let n = word.chars().count();
        if n < 4 || !word.chars().all(|c| c.is_ascii_lowercase()) || self.stems.contains(&stem(word)) {
            return None;
        }
        let max = if n >= 8 { 2 } else { 1 };
        let mut best: Option<(&str, usize)> = None;
        let mut tie = false;
        for candidate in &self.raw {
            if candidate.len().abs_diff(word.len()) > max || candidate.chars().count() < 4 {
                continue;
            }
            let d = osa_distance(word, candidate);
            if d > max {
                continue;
            }
            match best {
                Some((_, bd)) if d > bd => {}
                Some((b, bd)) if d == bd => tie |= stem(b) != stem(candidate),
                _ => {
                    best = Some((candidate, d));
                    tie = false;
                }
            }
        }
        if tie { None } else { best.map(|(w, _)| w) }
    }
}

fn normalise(question: &str) -> String {
    let mut s =
        question.to_lowercase().replace(['\u{2019}', '\u{2018}', '`'], "'").replace(['\u{201c}', '\u{201d}'], "\"");
    for (from, to) in [
        ("won't", "will not"),
        ("can't", "can not"),
        ("cannot", "can not"),
        ("n't", " not"),
        ("'re", " are"),
        ("'ll", " will"),
        ("'ve", " have"),
        ("'d", " would"),
        ("'m", " am"),
        ("what's", "what is"),
        ("how's", "how is"),
        ("where's", "where is"),
        ("who's", "who is"),
        ("that's", "that is"),
        ("it's", "it is"),
        ("there's", "there is"),
        ("let's", "let us"),
        ("'s", ""),
        ("s'", "s"),
    ] {
        s = s.replace(from, to);
    }
    s
}

fn is_iso_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-')
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

/// Split a question into tokens: `identifiers` (dictionary ids, lower-case) stay whole.
pub(crate) fn tokenize(question: &str, identifiers: &BTreeSet<String>, known: &KnownWords) -> Vec<Tok> {
    let text = normalise(question);
    let mut out = Vec::new();
    let mut raw = String::new();
    let flush = |raw: &mut String, out: &mut Vec<Tok>| {
        if !raw.is_empty() {
            piece(raw, identifiers, known, out);
            raw.clear();
        }
    };
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        let prev_digit = i > 0 && chars[i - 1].is_ascii_digit();
        match c {
            'a'..='z' | '0'..='9' | '_' | '@' | '#' | '%' | '$' | '-' => raw.push(c),
            '.' if prev_digit && next_digit => raw.push(c),
            '.' if matches!(raw.as_str(), "no" | "nr" | "num") => {}
            ',' if prev_digit
                && next_digit
                && chars.get(i + 2..i + 4).is_some_and(|w| w.iter().all(char::is_ascii_digit)) => {}
            '.' if !raw.is_empty() && identifiers.iter().any(|id| id.starts_with(&format!("{raw}."))) => raw.push(c),
            ',' | ';' | '?' | '!' | '.' | ':' => {
                flush(&mut raw, &mut out);
                out.push(Tok::Break);
            }
            '&' | '+' => {
                flush(&mut raw, &mut out);
                out.push(Tok::Word("and".into()));
            }
            _ => flush(&mut raw, &mut out),
        }
    }
    flush(&mut raw, &mut out);
    for_as_four(merge_percent_words(out))
}

/// Chat shorthand: a lone `4` between a word and `store`, `next`, `the` ... is "for".
fn for_as_four(mut tokens: Vec<Tok>) -> Vec<Tok> {
    const AFTER: &[&str] =
        &["stor", "item", "sku", "next", "the", "all", "this", "tomorrow", "shop", "product", "s", "i"];
    for i in 1..tokens.len().saturating_sub(1) {
        let four = matches!(tokens[i], Tok::Num { value, percent: false, currency: false, hash: false, glued: false } if value == 4.0);
        const NOT_BEFORE: &[&str] = &[
            "week", "day", "month", "quarter", "year", "q", "stor", "item", "sku", "product", "shop", "s", "i", "top",
            "bottom", "last", "next", "past", "first",
        ];
        let before = tokens[i - 1].word().is_some_and(|w| !NOT_BEFORE.contains(&w));
        let after = tokens[i + 1].word().is_some_and(|w| AFTER.contains(&w));
        if four && before && after {
            tokens[i] = Tok::Word("for".into());
        }
    }
    tokens
}

/// `10 percent` and `10 per cent` become one percent number.
fn merge_percent_words(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(tokens.len());
    let mut skip = 0;
    for (i, t) in tokens.iter().enumerate() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if let Tok::Num { value, currency, hash, glued, .. } = *t {
            let next = tokens.get(i + 1);
            let per_cent = next.is_some_and(|n| n.is("per")) && tokens.get(i + 2).is_some_and(|n| n.is("cent"));
            if next.is_some_and(|n| n.is("cent")) && !currency {
                out.push(Tok::Num { value: value / 100.0, percent: false, currency: true, hash, glued });
                skip = 1;
                continue;
            }
            if next.is_some_and(|n| n.is("percent")) || per_cent {
                out.push(Tok::Num { value, percent: true, currency, hash, glued });
                skip = if per_cent { 2 } else { 1 };
                continue;
            }
        }
        out.push(t.clone());
    }
    out
}

fn piece(raw: &str, identifiers: &BTreeSet<String>, known: &KnownWords, out: &mut Vec<Tok>) {
    let raw = raw.trim_matches('-');
    if raw.is_empty() {
        return;
    }
    if let Some(d) = is_iso_date(raw) {
        out.push(Tok::Date(d));
        return;
    }
    let base = raw.split('@').next().unwrap_or(raw);
    if identifiers.contains(raw) || identifiers.contains(base) && raw.contains('@') {
        out.push(Tok::Ident(raw.to_string()));
        return;
    }
    if let Some((_, to)) = ABBREVIATIONS.iter().find(|(a, _)| *a == raw) {
        for w in to.split(' ') {
            out.push(Tok::Word(stem(w)));
        }
        return;
    }
    if raw.contains(['-', '_', '@']) {
        for part in raw.split(['-', '_', '@']) {
            piece(part, identifiers, known, out);
        }
        return;
    }
    number_or_word(raw, known, out);
}

fn number_or_word(raw: &str, known: &KnownWords, out: &mut Vec<Tok>) {
    let hash = raw.starts_with('#');
    let currency = raw.starts_with('$');
    let body = raw.trim_start_matches(['#', '$']);
    let percent = body.ends_with('%');
    let body = body.trim_end_matches('%');
    if body.is_empty() {
        if percent {
            out.push(Tok::Word("percent".into()));
        }
        return;
    }
    let digits_end = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    if digits_end > 0 {
        let value: Option<f64> = body[..digits_end].parse().ok();
        let rest = &body[digits_end..];
        if let Some(value) = value {
            out.push(Tok::Num { value, percent, currency, hash, glued: false });
            if !rest.is_empty() && !["st", "nd", "rd", "th"].contains(&rest) {
                number_or_word(rest, known, out);
            }
            return;
        }
    }
    let letters_end = body.find(|c: char| c.is_ascii_digit()).unwrap_or(body.len());
    if letters_end < body.len() && letters_end > 0 {
        let letters = &body[..letters_end];
        push_word(letters, known, out);
        let before = out.len();
        number_or_word(&body[letters_end..], known, out);
        if let Some(Tok::Num { glued, .. }) = out.get_mut(before) {
            *glued = true;
        }
        return;
    }
    if let Some((_, v)) = NUMBER_WORDS.iter().find(|(w, _)| *w == body) {
        out.push(Tok::Num { value: *v, percent, currency, hash, glued: false });
        return;
    }
    push_word(body, known, out);
    if percent {
        out.push(Tok::Word("percent".into()));
    }
}

fn push_word(word: &str, known: &KnownWords, out: &mut Vec<Tok>) {
    if let Some((_, to)) = ABBREVIATIONS.iter().find(|(a, _)| *a == word) {
        for w in to.split(' ') {
            out.push(Tok::Word(stem(w)));
        }
        return;
    }
    let word = known.correct(word).unwrap_or(word);
    out.push(Tok::Word(stem(word)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<Tok> {
        let mut known = KnownWords::default();
        for w in ["sales", "much", "forecast", "order"] {
            known.raw.insert(w.into());
            known.stems.insert(stem(w));
        }
        tokenize(q, &BTreeSet::from(["store_03".to_string()]), &known)
    }

    #[test]
    fn stems_agree_across_inflections() {
        for (a, b) in [
            ("pricing", "price"),
            ("prices", "priced"),
            ("dropped", "drop"),
            ("ordering", "orders"),
            ("categories", "category"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} {b}");
        }
        assert_eq!(osa_distance("salse", "sales"), 1);
        assert_eq!(osa_distance("forcast", "forecast"), 1);
    }

    #[test]
    fn ids_numbers_typos_and_abbreviations() {
        let t = words("Store_03 S3 #4 10% $2.50 2wks forcast mcuh qty 2026-03-01, 1,200");
        assert_eq!(t[0], Tok::Ident("store_03".into()));
        assert_eq!(t[1], Tok::Word("s".into()));
        assert!(matches!(t[2], Tok::Num { value: 3.0, glued: true, .. }));
        assert!(matches!(t[3], Tok::Num { value: 4.0, hash: true, .. }));
        assert!(matches!(t[4], Tok::Num { value: 10.0, percent: true, .. }));
        assert!(matches!(t[5], Tok::Num { value: 2.5, currency: true, .. }));
        assert!(matches!(t[6], Tok::Num { value: 2.0, .. }));
        assert_eq!(t[7], Tok::Word("week".into()));
        assert_eq!(t[8], Tok::Word("forecast".into()));
        assert_eq!(t[9], Tok::Word("much".into()));
        assert_eq!(t[10], Tok::Word("quantity".into()));
        assert!(matches!(t[11], Tok::Date(_)));
        assert_eq!(t[12], Tok::Break);
        assert!(matches!(t[13], Tok::Num { value: 1200.0, .. }));
    }
}
