//! The search parser: every operator, quoting, negation and malformed input.

use super::*;

fn event(field: Field, value: &str, negated: bool) -> Term {
    Term::Event { field, value: value.into(), negated }
}

#[test]
fn every_operator_parses_to_its_term() {
    let terms = parse(
        "is:unresolved !is:ignored is:assigned is:unassigned assigned:me assigned:none \
         assigned:ada@example.com assigned:#web !assigned:me level:error !level:info release:shop@1.2 \
         environment:production env:staging browser:Chrome os:\"Mac OS X\" url:*checkout* \
         user.email:a@b.c user.id:42 plan:pro !locale:de-DE TypeError \"cart is undefined\"",
    )
    .unwrap();
    assert_eq!(
        terms,
        vec![
            Term::Is { is: Is::Status(IssueStatus::Unresolved), negated: false },
            Term::Is { is: Is::Status(IssueStatus::Ignored), negated: true },
            Term::Is { is: Is::Assigned, negated: false },
            Term::Is { is: Is::Unassigned, negated: false },
            Term::Assigned { who: Assignee::Me, negated: false },
            Term::Assigned { who: Assignee::Nobody, negated: false },
            Term::Assigned { who: Assignee::Email("ada@example.com".into()), negated: false },
            Term::Assigned { who: Assignee::Team("web".into()), negated: false },
            Term::Assigned { who: Assignee::Me, negated: true },
            Term::Level { level: Level::Error, negated: false },
            Term::Level { level: Level::Info, negated: true },
            event(Field::Release, "shop@1.2", false),
            event(Field::Environment, "production", false),
            event(Field::Environment, "staging", false),
            event(Field::Browser, "Chrome", false),
            event(Field::Os, "Mac OS X", false),
            event(Field::Url, "*checkout*", false),
            event(Field::UserEmail, "a@b.c", false),
            event(Field::UserId, "42", false),
            event(Field::Tag("plan".into()), "pro", false),
            event(Field::Tag("locale".into()), "de-DE", true),
            Term::Text("TypeError".into()),
            Term::Text("cart is undefined".into()),
        ]
    );
}

#[test]
fn empty_and_blank_queries_have_no_terms() {
    assert_eq!(parse("").unwrap(), vec![]);
    assert_eq!(parse("  \t ").unwrap(), vec![]);
}

#[test]
fn quoted_values_keep_spaces_colons_and_escaped_quotes() {
    assert_eq!(
        parse(r#"url:"https://x.test/a b" "say \"hi\"" note:"a\\b""#).unwrap(),
        vec![
            event(Field::Url, "https://x.test/a b", false),
            Term::Text("say \"hi\"".into()),
            event(Field::Tag("note".into()), "a\\b", false),
        ]
    );
}

#[test]
fn keys_are_case_insensitive_but_values_and_tag_keys_are_kept() {
    assert_eq!(
        parse("IS:Resolved Browser:Firefox Plan:Pro").unwrap(),
        vec![
            Term::Is { is: Is::Status(IssueStatus::Resolved), negated: false },
            event(Field::Browser, "Firefox", false),
            event(Field::Tag("Plan".into()), "Pro", false),
        ]
    );
}

#[test]
fn malformed_queries_say_what_is_wrong() {
    use ParseError::*;
    let cases: Vec<(&str, ParseError)> = vec![
        ("browser:\"Chrome", UnterminatedQuote { at: 8 }),
        ("\"open phrase", UnterminatedQuote { at: 0 }),
        ("note:\"ends in escape\\", UnterminatedQuote { at: 5 }),
        ("browser:", EmptyValue { key: "browser".into(), at: 0 }),
        ("os:\"\"", EmptyValue { key: "os".into(), at: 0 }),
        (":value", BadKey { key: "".into(), at: 0 }),
        ("a/b:c", BadKey { key: "a/b".into(), at: 0 }),
        ("!", BareNegation { at: 0 }),
        ("x ! y", BareNegation { at: 2 }),
        ("!TypeError", BareNegation { at: 0 }),
        ("!\"a phrase\"", BareNegation { at: 0 }),
        ("brow\"ser:x", StrayQuote { at: 4 }),
        ("browser:Chr\"ome", StrayQuote { at: 11 }),
        ("os:\"Mac\"OS", AfterQuote { at: 8 }),
        ("is:open", UnknownIs("open".into())),
        ("assigned:bob", UnknownAssignee("bob".into())),
        ("assigned:#", UnknownAssignee("#".into())),
        ("level:critical", UnknownLevel("critical".into())),
    ];
    for (query, want) in cases {
        assert_eq!(parse(query), Err(want), "{query}");
    }
    assert_eq!(parse(&"x".repeat(MAX_LEN + 1)), Err(TooLong));
    assert_eq!(parse(&"a ".repeat(MAX_TERMS + 1)), Err(TooManyTerms));
    assert_eq!(parse(&"a ".repeat(MAX_TERMS)).unwrap().len(), MAX_TERMS);
    let long_key = format!("{}:v", "k".repeat(MAX_KEY + 1));
    assert!(matches!(parse(&long_key), Err(BadKey { .. })));
}

#[test]
fn multibyte_text_is_never_split_inside_a_character() {
    assert_eq!(
        parse("«frei» !tag:ß").unwrap(),
        vec![Term::Text("«frei»".into()), event(Field::Tag("tag".into()), "ß", true)]
    );
    assert!(matches!(parse("ünïcödé:wert"), Err(ParseError::BadKey { .. })));
    // Every prefix of a nasty mix parses or fails cleanly, never panics.
    for n in 0..40 {
        let s: String = "é\"ß: !\\".chars().cycle().take(n).collect();
        let _ = parse(&s);
    }
}
