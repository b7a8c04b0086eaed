//! The labelled set that [`super::similar`]'s weights and threshold were
//! chosen on, shaped like real browser errors: one bug thrown from two
//! minified builds (different content hashes and minified names), one bug
//! in two browsers' wordings, messages that differ only in ids and numbers,
//! and different bugs in one file (and in one message template). Every pair
//! of events is labelled same-bug or not; the test prints precision and
//! recall at a sweep of thresholds (the figures in bench/BENCHMARKS.md, run
//! with `cargo test -p sightline --lib similar_eval -- --nocapture`) and
//! fails if the chosen threshold falls below its bar.

use serde_json::json;

use super::similar::{score, signature, Signature, THRESHOLD};

/// (bug label, exception type, message, in-app frames as (file URL, function)).
type Case = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

const CASES: &[Case] = &[
    // One bug, two minified builds, and Firefox's wording of it.
    (
        "price",
        "TypeError",
        "Cannot read properties of undefined (reading 'price')",
        &[
            ("https://shop.example.com/assets/index-BxK3fL9a.js", "t"),
            ("https://shop.example.com/assets/index-BxK3fL9a.js", "renderCart"),
        ],
    ),
    (
        "price",
        "TypeError",
        "Cannot read properties of undefined (reading 'price')",
        &[
            ("https://shop.example.com/assets/index-Dq7pL2mZ.js", "n"),
            ("https://shop.example.com/assets/index-Dq7pL2mZ.js", "renderCart"),
        ],
    ),
    (
        "price",
        "TypeError",
        "can't access property \"price\", item is undefined",
        &[
            ("https://shop.example.com/assets/index-BxK3fL9a.js", "t"),
            ("https://shop.example.com/assets/index-BxK3fL9a.js", "renderCart"),
        ],
    ),
    // Messages that differ in ids and numbers.
    (
        "order",
        "Error",
        "Failed to fetch order 12345: HTTP 500",
        &[
            ("https://shop.example.com/assets/api.4f9a8b2c.js", "fetchOrder"),
            ("https://shop.example.com/assets/orders.8a7b6c5d.js", "loadOrders"),
        ],
    ),
    (
        "order",
        "Error",
        "Failed to fetch order 98765: HTTP 503",
        &[
            ("https://shop.example.com/assets/api.77aa11bb.js", "fetchOrder"),
            ("https://shop.example.com/assets/orders.0c0d0e0f.js", "loadOrders"),
        ],
    ),
    (
        "chunk",
        "ChunkLoadError",
        "Loading chunk 482 failed. (error: https://shop.example.com/assets/482.3b9c0e7a.js)",
        &[("https://shop.example.com/assets/runtime.1a2b3c4d.js", "__webpack_require__.f.j")],
    ),
    (
        "chunk",
        "ChunkLoadError",
        "Loading chunk 97 failed. (missing: https://shop.example.com/assets/97.aa00bb11.js)",
        &[("https://shop.example.com/assets/runtime.9f8e7d6c.js", "__webpack_require__.f.j")],
    ),
    (
        "quota",
        "QuotaExceededError",
        "Failed to execute 'setItem' on 'Storage': Setting the value of 'cart-1699999999' exceeded the quota.",
        &[("https://shop.example.com/assets/storage.5e5e5e5e.js", "saveCart")],
    ),
    (
        "quota",
        "QuotaExceededError",
        "Failed to execute 'setItem' on 'Storage': Setting the value of 'cart-1700000123' exceeded the quota.",
        &[("https://shop.example.com/assets/storage.6f6f6f6f.js", "saveCart")],
    ),
    (
        "stripe",
        "Error",
        "Failed to load Stripe.js",
        &[("https://shop.example.com/assets/checkout.1111aaaa.js", "mountPayment")],
    ),
    (
        "stripe",
        "Error",
        "Failed to load Stripe.js",
        &[("https://shop.example.com/assets/checkout.2222bbbb.js", "mountPayment")],
    ),
    // Different bugs in one file, some in one message template.
    (
        "menu",
        "TypeError",
        "Cannot read properties of null (reading 'addEventListener')",
        &[("https://shop.example.com/assets/app.3b9c0e7a.js", "initMenu")],
    ),
    (
        "list",
        "TypeError",
        "Cannot read properties of undefined (reading 'length')",
        &[("https://shop.example.com/assets/app.3b9c0e7a.js", "renderList")],
    ),
    (
        "stack",
        "RangeError",
        "Maximum call stack size exceeded",
        &[
            ("https://shop.example.com/assets/app.3b9c0e7a.js", "walkTree"),
            ("https://shop.example.com/assets/app.3b9c0e7a.js", "walkTree"),
        ],
    ),
    (
        "tags",
        "TypeError",
        "tags.map is not a function",
        &[("https://shop.example.com/assets/app.3b9c0e7a.js", "renderTags")],
    ),
    (
        "json",
        "SyntaxError",
        "JSON.parse: unexpected character at line 1 column 1 of the JSON data",
        &[("https://shop.example.com/assets/api.4f9a8b2c.js", "parseResponse")],
    ),
    (
        "list",
        "TypeError",
        "Cannot read properties of undefined (reading 'length')",
        &[("https://shop.example.com/assets/app.9d9d9d9d.js", "renderList")],
    ),
    // Without frames: the message decides.
    ("resize", "", "ResizeObserver loop completed with undelivered notifications.", &[]),
    ("resize", "", "ResizeObserver loop completed with undelivered notifications.", &[]),
    ("script", "", "Script error.", &[]),
];

fn signature_of(case: &Case) -> Signature {
    let (_, ty, message, frames) = case;
    let mut list = vec![
        json!({"filename": "https://cdn.example.com/vendor.8f3a2c1d.js", "function": "callHandler", "in_app": false}),
    ];
    list.extend(frames.iter().map(
        |(file, function)| json!({"filename": file, "function": function, "in_app": true, "lineno": 1, "colno": 4242}),
    ));
    signature(ty, message, &serde_json::Value::Array(list).to_string())
}

/// Returns (precision, recall, true positives, false positives, false negatives) at `threshold`.
fn evaluate(threshold: f64) -> (f64, f64, usize, usize, usize) {
    let signatures: Vec<Signature> = CASES.iter().map(signature_of).collect();
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for i in 0..CASES.len() {
        for j in i + 1..CASES.len() {
            let same = CASES[i].0 == CASES[j].0;
            let predicted = score(&signatures[i], &signatures[j]) >= threshold;
            match (same, predicted) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                (false, false) => {}
            }
        }
    }
    let precision = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
    let recall = if tp + fn_ == 0 { 1.0 } else { tp as f64 / (tp + fn_) as f64 };
    (precision, recall, tp, fp, fn_)
}

#[test]
fn the_chosen_threshold_keeps_precision_and_recall_on_the_labelled_set() {
    let pairs = CASES.len() * (CASES.len() - 1) / 2;
    let positives = (0..CASES.len())
        .flat_map(|i| (i + 1..CASES.len()).map(move |j| (i, j)))
        .filter(|(i, j)| CASES[*i].0 == CASES[*j].0)
        .count();
    println!("{} events, {pairs} pairs, {positives} same-bug pairs", CASES.len());
    for t in [0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8] {
        let (p, r, tp, fp, fn_) = evaluate(t);
        println!("threshold {t:.2}: precision {p:.3} recall {r:.3} (tp {tp}, fp {fp}, fn {fn_})");
    }
    let (precision, recall, ..) = evaluate(THRESHOLD);
    assert!(precision >= 0.9, "precision {precision} at {THRESHOLD}");
    assert!(recall >= 0.85, "recall {recall} at {THRESHOLD}");
}

#[test]
fn two_builds_of_one_bug_score_high_and_two_bugs_of_one_file_low() {
    let s: Vec<Signature> = CASES.iter().map(signature_of).collect();
    assert!(score(&s[0], &s[1]) > 0.95, "two builds: {}", score(&s[0], &s[1]));
    assert!(score(&s[3], &s[4]) > 0.95, "ids and numbers: {}", score(&s[3], &s[4]));
    assert!(score(&s[11], &s[12]) < THRESHOLD, "two bugs in app.js: {}", score(&s[11], &s[12]));
    assert!(score(&s[0], &s[12]) < THRESHOLD, "one message template, two bugs: {}", score(&s[0], &s[12]));
}
