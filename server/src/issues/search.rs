//! The issue list's search syntax, as Sentry users type it: `is:unresolved`,
//! `assigned:me|none|#team|<email>`, `level:error`, the event fields
//! `release:`, `environment:`, `browser:`, `os:`, `url:`, `user.email:`,
//! `user.id:`, any other `key:value` as a tag, `!key:value` to negate,
//! `key:"a quoted value"`, `*` as a wildcard in event values, and free text
//! (a bare word or a `"quoted phrase"`) matched in the title or culprit.
//!
//! [`parse`] turns the box's text into [`Term`]s or a [`ParseError`] that
//! says what is wrong and where, which the API answers as a 422 (never a
//! 500) and the dashboard shows under the box. Input is bounded
//! ([`MAX_LEN`], [`MAX_TERMS`]) so a hostile query costs little.

use sightline_api_types::{IssueStatus, Level};

/// The longest query accepted, in bytes.
pub const MAX_LEN: usize = 1000;
/// The most terms accepted in one query.
pub const MAX_TERMS: usize = 30;
/// The longest tag key accepted.
const MAX_KEY: usize = 64;

/// Whom `assigned:` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// The caller.
    Me,
    /// Nobody (neither a member nor the team).
    Nobody,
    /// The member with this e-mail address.
    Email(String),
    /// The team with this slug (`#slug`).
    Team(String),
}

/// What `is:` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Is {
    Status(IssueStatus),
    Assigned,
    Unassigned,
}

/// A field of the stored events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Release,
    Environment,
    Browser,
    Os,
    Url,
    UserEmail,
    UserId,
    /// A custom tag key.
    Tag(String),
}

impl Field {
    /// Returns the `events` column of a built-in field (`None` for a tag).
    pub fn column(&self) -> Option<&'static str> {
        Some(match self {
            Field::Release => "release",
            Field::Environment => "environment",
            Field::Browser => "browser",
            Field::Os => "os",
            Field::Url => "url",
            Field::UserEmail => "user_email",
            Field::UserId => "user_id",
            Field::Tag(_) => return None,
        })
    }
}

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Is {
        is: Is,
        negated: bool,
    },
    Assigned {
        who: Assignee,
        negated: bool,
    },
    Level {
        level: Level,
        negated: bool,
    },
    /// An issue matches when one of its events in the period has (or, negated, lacks) the value.
    Event {
        field: Field,
        value: String,
        negated: bool,
    },
    /// Words matched (case-insensitively) in the title or culprit.
    Text(String),
}

/// Why a query cannot be read; `at` is the byte offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the query is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("the query has more than {MAX_TERMS} terms")]
    TooManyTerms,
    #[error("unterminated quote starting at character {at}")]
    UnterminatedQuote { at: usize },
    #[error("{key}: needs a value (at character {at})")]
    EmptyValue { key: String, at: usize },
    #[error("{key:?} is not a valid key (letters, digits, '.', '_' and '-', at most {MAX_KEY}) at character {at}")]
    BadKey { key: String, at: usize },
    #[error("'!' negates a key:value term, e.g. !browser:Safari (at character {at})")]
    BareNegation { at: usize },
    #[error("a quote inside an unquoted value at character {at}: quote the whole value")]
    StrayQuote { at: usize },
    #[error("expected a space after the closing quote at character {at}")]
    AfterQuote { at: usize },
    #[error("unknown is:{0}; use unresolved, resolved, ignored, assigned or unassigned")]
    UnknownIs(String),
    #[error("unknown assigned:{0}; use me, none, #team or an e-mail address")]
    UnknownAssignee(String),
    #[error("unknown level:{0}; use fatal, error, warning, info or debug")]
    UnknownLevel(String),
}

/// Parses the search box's text into terms (empty text: no terms).
pub fn parse(input: &str) -> Result<Vec<Term>, ParseError> {
    if input.len() > MAX_LEN {
        return Err(ParseError::TooLong);
    }
    let mut lexer = Lexer { s: input, pos: 0 };
    let mut terms = Vec::new();
    while let Some(token) = lexer.next()? {
        if terms.len() == MAX_TERMS {
            return Err(ParseError::TooManyTerms);
        }
        terms.push(token.into_term()?);
    }
    Ok(terms)
}

/// One lexed token: `[!]key:value`, or free text.
struct Token {
    at: usize,
    negated: bool,
    key: Option<String>,
    value: String,
}

impl Token {
    fn into_term(self) -> Result<Term, ParseError> {
        let Token { at, negated, key, value } = self;
        let Some(key) = key else {
            if negated {
                return Err(ParseError::BareNegation { at });
            }
            return Ok(Term::Text(value));
        };
        if value.is_empty() {
            return Err(ParseError::EmptyValue { key, at });
        }
        let field = match key.to_ascii_lowercase().as_str() {
            "is" => {
                let is = match value.to_ascii_lowercase().as_str() {
                    "unresolved" => Is::Status(IssueStatus::Unresolved),
                    "resolved" => Is::Status(IssueStatus::Resolved),
                    "ignored" | "muted" | "snoozed" => Is::Status(IssueStatus::Ignored),
                    "assigned" => Is::Assigned,
                    "unassigned" => Is::Unassigned,
                    _ => return Err(ParseError::UnknownIs(value)),
                };
                return Ok(Term::Is { is, negated });
            }
            "assigned" | "assigned_to" => {
                let who = match value.to_ascii_lowercase().as_str() {
                    "me" => Assignee::Me,
                    "none" => Assignee::Nobody,
                    _ if value.len() > 1 && value.starts_with('#') => Assignee::Team(value[1..].to_string()),
                    _ if value.contains('@') => Assignee::Email(value),
                    _ => return Err(ParseError::UnknownAssignee(value)),
                };
                return Ok(Term::Assigned { who, negated });
            }
            "level" => {
                let level =
                    value.to_ascii_lowercase().parse::<Level>().map_err(|_| ParseError::UnknownLevel(value.clone()))?;
                return Ok(Term::Level { level, negated });
            }
            "release" => Field::Release,
            "environment" | "env" => Field::Environment,
            "browser" | "browser.name" => Field::Browser,
            "os" | "os.name" => Field::Os,
            "url" => Field::Url,
            "user.email" => Field::UserEmail,
            "user.id" => Field::UserId,
            _ => Field::Tag(key),
        };
        Ok(Term::Event { field, value, negated })
    }
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn next(&mut self) -> Result<Option<Token>, ParseError> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let at = self.pos;
        let Some(first) = self.peek() else { return Ok(None) };
        let negated = first == '!';
        if negated {
            self.bump();
            if self.peek().is_none_or(char::is_whitespace) {
                return Err(ParseError::BareNegation { at });
            }
        }
        if self.peek() == Some('"') {
            let value = self.quoted()?;
            return Ok(Some(Token { at, negated, key: None, value }));
        }
        // A key runs to ':'; without one the word is free text.
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ':' {
                break;
            }
            if c == '"' {
                return Err(ParseError::StrayQuote { at: self.pos });
            }
            self.bump();
        }
        let word = self.s[start..self.pos].to_string();
        if self.peek() != Some(':') {
            return Ok(Some(Token { at, negated, key: None, value: word }));
        }
        self.bump();
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if word.is_empty() || word.len() > MAX_KEY || !word.chars().all(valid) {
            return Err(ParseError::BadKey { key: word, at });
        }
        let value = if self.peek() == Some('"') {
            self.quoted()?
        } else {
            let v_start = self.pos;
            while let Some(c) = self.peek() {
                if c.is_whitespace() {
                    break;
                }
                if c == '"' {
                    return Err(ParseError::StrayQuote { at: self.pos });
                }
                self.bump();
            }
            self.s[v_start..self.pos].to_string()
        };
        Ok(Some(Token { at, negated, key: Some(word), value }))
    }

    /// Reads `"…"` with `\"` and `\\` escapes; the cursor is on the opening quote.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let at = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(ParseError::UnterminatedQuote { at }),
                Some('"') => break,
                Some('\\') => match self.bump() {
                    Some(c) => out.push(c),
                    None => return Err(ParseError::UnterminatedQuote { at }),
                },
                Some(c) => out.push(c),
            }
        }
        if self.peek().is_some_and(|c| !c.is_whitespace()) {
            return Err(ParseError::AfterQuote { at: self.pos });
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
