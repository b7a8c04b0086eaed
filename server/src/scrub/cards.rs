//! Card numbers inside free text. A candidate is a run of 13 to 19 digits,
//! single spaces or dashes allowed between digits, not glued to a letter or
//! another digit, starting with a card network's leading digit (2–6: Mastercard,
//! Amex/Diners/JCB, Visa, Mastercard, Discover/UnionPay) and passing the Luhn
//! check. The network digit keeps epoch-millisecond timestamps (`17…`) and
//! the like out; Luhn keeps nine in ten of the remaining random numbers out.

/// What a card number is replaced with, as Sentry does.
pub const FILTERED: &str = "[Filtered]";

/// Returns `text` with every card number replaced, or `None` when it has none.
pub fn replace_card_numbers(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while i < b.len() {
        let starts_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if !(b[i].is_ascii_digit() && starts_word) {
            i += 1;
            continue;
        }
        match card_at(b, i) {
            Some(end) => {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[copied..i]);
                o.push_str(FILTERED);
                copied = end;
                i = end;
            }
            None => {
                // Skip the rest of this number: a card cannot start inside it.
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
    }
    out.map(|mut o| {
        o.push_str(&text[copied..]);
        o
    })
}

/// Tells whether `text` may hold a card number (a cheap pre-check: 13+ digits in a row,
/// separators allowed).
pub fn may_contain_card(text: &[u8]) -> bool {
    let mut digits = 0;
    let mut prev_digit = false;
    for &c in text {
        if c.is_ascii_digit() {
            digits += 1;
            prev_digit = true;
            if digits >= 13 {
                return true;
            }
        } else if prev_digit && (c == b' ' || c == b'-') {
            prev_digit = false;
        } else {
            digits = 0;
            prev_digit = false;
        }
    }
    false
}

/// Returns the end of the longest card number starting at `start`, if any.
fn card_at(b: &[u8], start: usize) -> Option<usize> {
    if !(b'2'..=b'6').contains(&b[start]) {
        return None;
    }
    let mut digits: Vec<u8> = Vec::with_capacity(19);
    let mut ends: Vec<usize> = Vec::with_capacity(19); // end offset after each digit
    let mut i = start;
    while i < b.len() && digits.len() < 20 {
        if b[i].is_ascii_digit() {
            digits.push(b[i] - b'0');
            i += 1;
            ends.push(i);
        } else if (b[i] == b' ' || b[i] == b'-') && i + 1 < b.len() && b[i + 1].is_ascii_digit() && !digits.is_empty() {
            i += 1;
        } else {
            break;
        }
    }
    // Longest first; a number ends where the run ends or at a separator, never
    // glued to a letter or inside a group of digits.
    (13..=digits.len().min(19)).rev().find_map(|n| {
        let end = ends[n - 1];
        let boundary = b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
        (boundary && luhn(&digits[..n])).then_some(end)
    })
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_luhn_valid_numbers_with_and_without_separators() {
        assert_eq!(replace_card_numbers("paid with 4111111111111111.").as_deref(), Some("paid with [Filtered]."));
        assert_eq!(
            replace_card_numbers("card 4242 4242 4242 4242 declined").as_deref(),
            Some("card [Filtered] declined")
        );
        assert_eq!(replace_card_numbers("'5555-5555-5555-4444'").as_deref(), Some("'[Filtered]'"));
        assert_eq!(replace_card_numbers("amex 378282246310005").as_deref(), Some("amex [Filtered]"));
        assert_eq!(
            replace_card_numbers("a 4111111111111111 b 4012888888881881").as_deref(),
            Some("a [Filtered] b [Filtered]")
        );
    }

    #[test]
    fn leaves_other_numbers_alone() {
        assert_eq!(replace_card_numbers("4111111111111112"), None, "fails Luhn");
        assert_eq!(replace_card_numbers("order 1714564790112 ok"), None, "a timestamp");
        assert_eq!(replace_card_numbers("id x4111111111111111"), None, "glued to a word");
        assert_eq!(replace_card_numbers("41111111111111110000"), None, "too long");
        assert_eq!(replace_card_numbers("4111111111111111 7").as_deref(), Some("[Filtered] 7"), "followed by a number");
        assert_eq!(replace_card_numbers("411111111111"), None, "too short");
        assert_eq!(replace_card_numbers("nothing here"), None);
        assert_eq!(replace_card_numbers("4111  1111 1111 1111"), None, "double space breaks the run");
    }

    #[test]
    fn the_pre_check_sees_every_candidate() {
        assert!(may_contain_card(b"x 4242 4242 4242 4242"));
        assert!(may_contain_card(b"5555-5555-5555-4444"));
        assert!(!may_contain_card(b"1714564790.112"));
    }
}
