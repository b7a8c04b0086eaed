//! Alerts of a project: the rules (create, edit, enable/disable, delete) and
//! the delivery log — every alert fired, or held back by a throttle, with
//! how each notification went (channel, path, attempts, last error).

mod delivery;

use leptos::prelude::*;
use sightline_api_types::{AlertFiring, AlertKind, AlertRule, AlertRuleInput, Level, Vital};

use crate::{
    api::{self, ApiError},
    components::{
        form::{api_action, invalid, pending, report, ActionButton},
        layout::ProjectHeader,
        poll,
        states::{Empty, ErrorBox, FormError, Loading},
    },
    format,
    pages::param_id,
};

/// Lists and edits a project's alert rules and shows the delivery log.
#[component]
pub fn Alerts() -> impl IntoView {
    let id = param_id("project");
    let rules = LocalResource::new(move || api::alert_rules(id.get()));
    let log = LocalResource::new(move || api::alerts(id.get()));
    let form = RuleForm::new();
    let error = RwSignal::new(None::<ApiError>);
    let refresh = move || {
        rules.refetch();
        log.refetch();
    };
    // While a notification is on its way (or being retried), the log
    // follows it.
    poll::every(std::time::Duration::from_secs(3), move || {
        let pending = |list: &Vec<AlertFiring>| list.iter().flat_map(|a| &a.deliveries).any(|d| d.status == "pending");
        if matches!(log.get_untracked(), Some(Ok(list)) if pending(&list)) {
            log.refetch();
        }
    });
    let rule_list = move || {
        match rules.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <Empty title="No alert rules yet">"Add one below to hear about new issues, regressions, spikes or slow pages."</Empty> }
                .into_any()
        }
        Some(Ok(list)) => view! {
            <table class="plain alert-rules">
                <thead><tr><th>"Rule"</th><th>"When"</th><th>"Sends to"</th><th></th></tr></thead>
                <tbody>
                    {list.into_iter().map(|r| view! { <RuleRow rule=r form on_change=Callback::new(move |_| refresh()) error/> }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    }
    };
    let save = api_action(move |_: &()| {
        let (input, editing, project) = (form.input(), form.editing.get_untracked(), id.get_untracked());
        async move {
            let input = input?;
            match editing {
                Some(rule) => api::replace_alert_rule(rule, input).await?,
                None => api::create_alert_rule(project, input).await?,
            };
            form.clear();
            refresh();
            Ok(())
        }
    });
    report(save, error);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(());
    };
    let kind = form.kind;
    view! {
        <ProjectHeader id/>
        <section class="card">
            <div class="card-head"><h2>"Alert rules"</h2></div>
            {rule_list}
        </section>
        <form class="card settings alert-form" on:submit=submit>
            <h2>{move || if form.editing.get().is_some() { "Edit rule" } else { "New rule" }}</h2>
            <label>"Name" <input type="text" name="name" required bind:value=form.name/></label>
            <label>"When"
                <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {[("new_issue", "A new issue appears"), ("regression", "A resolved issue comes back"),
                      ("frequency", "Events reach a count in a window"), ("vital", "A Web Vital's p75 goes over a limit"),
                      ("feedback", "A visitor sends feedback")]
                        .into_iter()
                        .map(|(v, label)| view! { <option value=v selected=move || kind.get() == v>{label}</option> })
                        .collect_view()}
                </select>
            </label>
            <Show when=move || kind.get() == "frequency">
                <label>"Count" <select name="scope" bind:value=form.scope>
                    <option value="issue">"events of one issue"</option>
                    <option value="project">"events of the whole project"</option>
                </select></label>
            </Show>
            <Show when=move || kind.get() == "vital">
                <label>"Vital" <select name="vital" bind:value=form.vital>
                    {Vital::ALL.iter().map(|&v| view! { <option value=v.as_str()>{format::vital_abbr(v)}</option> }).collect_view()}
                </select></label>
                <label>"Page (transaction name; empty = all pages)" <input type="text" name="page" bind:value=form.page/></label>
            </Show>
            <Show when=move || matches!(kind.get().as_str(), "frequency" | "vital")>
                <label>{move || if kind.get() == "vital" { "p75 limit (ms; CLS unitless)" } else { "At least this many events" }}
                    <input type="number" name="threshold" step="any" min="0" bind:value=form.threshold/>
                </label>
                <label>"Window (minutes)" <input type="number" name="window" min="1" max="10080" bind:value=form.window/></label>
            </Show>
            <Show when=move || kind.get() == "new_issue">
                <label>"Quiet until the issue has this many events (0 = at once)"
                    <input type="number" name="quiet_until" min="0" bind:value=form.quiet/>
                </label>
            </Show>
            <label>"Environment (empty = any)" <input type="text" name="environment" bind:value=form.environment/></label>
            <Show when=move || !matches!(kind.get().as_str(), "vital" | "feedback")>
                <label>"Level" <select name="level" bind:value=form.level>
                    <option value="">"any"</option>
                    {Level::NAMES.iter().map(|&l| view! { <option value=l>{l}</option> }).collect_view()}
                </select></label>
            </Show>
            <label>"At most one alert per issue (or page) every … minutes (0 = no limit)"
                <input type="number" name="throttle" min="0" bind:value=form.throttle/>
            </label>
            <label>"E-mail to (comma-separated)" <input type="text" name="email_to" bind:value=form.email/></label>
            <label>"Webhook URL (Slack-compatible)" <input type="url" name="webhook_url" bind:value=form.webhook/></label>
            <label>"Webhook signing secret (optional; empty keeps the current one when editing)"
                <input type="password" name="webhook_secret" autocomplete="off" bind:value=form.secret/>
            </label>
            <FormError error/>
            <div class="row">
                <ActionButton submit=true class="primary" pending=pending(save)>
                    {move || if form.editing.get().is_some() { "Save rule" } else { "Add rule" }}
                </ActionButton>
                <Show when=move || form.editing.get().is_some()>
                    <button type="button" on:click=move |_| form.clear()>"Cancel"</button>
                </Show>
            </div>
        </form>
        <section class="card">
            <div class="card-head">
                <h2>"Delivery log"</h2>
                <button on:click=move |_| log.refetch()>"Refresh"</button>
            </div>
            {move || match log.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No alerts yet."</p> }.into_any(),
                Some(Ok(list)) => view! { <delivery::DeliveryLog alerts=list/> }.into_any(),
            }}
        </section>
    }
}

/// The form's fields, as text the inputs edit.
#[derive(Clone, Copy)]
struct RuleForm {
    editing: RwSignal<Option<i64>>,
    name: RwSignal<String>,
    kind: RwSignal<String>,
    scope: RwSignal<String>,
    vital: RwSignal<String>,
    page: RwSignal<String>,
    threshold: RwSignal<String>,
    window: RwSignal<String>,
    quiet: RwSignal<String>,
    environment: RwSignal<String>,
    level: RwSignal<String>,
    throttle: RwSignal<String>,
    email: RwSignal<String>,
    webhook: RwSignal<String>,
    secret: RwSignal<String>,
}

impl RuleForm {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        let form = RuleForm {
            editing: RwSignal::new(None),
            name: text(),
            kind: text(),
            scope: text(),
            vital: text(),
            page: text(),
            threshold: text(),
            window: text(),
            quiet: text(),
            environment: text(),
            level: text(),
            throttle: text(),
            email: text(),
            webhook: text(),
            secret: text(),
        };
        form.clear();
        form
    }

    fn clear(&self) {
        self.load(None);
    }

    /// Fills the form from `rule`, or with defaults.
    fn load(&self, rule: Option<&AlertRule>) {
        let text = |v: Option<String>| v.unwrap_or_default();
        let num = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_default();
        self.editing.set(rule.map(|r| r.id));
        self.name.set(text(rule.map(|r| r.name.clone())));
        self.kind.set(rule.map_or("new_issue", |r| r.kind.as_str()).to_string());
        self.scope.set(rule.and_then(|r| r.scope.clone()).unwrap_or_else(|| "issue".into()));
        self.vital.set(rule.and_then(|r| r.vital).unwrap_or(Vital::Lcp).as_str().to_string());
        self.page.set(text(rule.and_then(|r| r.page.clone())));
        self.threshold.set(num(rule.and_then(|r| r.threshold)));
        self.window.set(rule.and_then(|r| r.window_minutes).map_or_else(|| "10".into(), |w| w.to_string()));
        self.quiet.set(rule.map_or(0, |r| r.quiet_until).to_string());
        self.environment.set(text(rule.and_then(|r| r.environment.clone())));
        self.level.set(text(rule.and_then(|r| r.level).map(|l| l.as_str().to_string())));
        self.throttle.set(rule.map_or(0, |r| r.throttle_minutes).to_string());
        self.email.set(rule.map(|r| r.email_to.join(", ")).unwrap_or_default());
        self.webhook.set(text(rule.and_then(|r| r.webhook_url.clone())));
        self.secret.set(String::new());
    }

    /// Returns the rule the form describes (the server validates the rest).
    fn input(&self) -> Result<AlertRuleInput, ApiError> {
        let opt = |s: RwSignal<String>| Some(s.get_untracked().trim().to_string()).filter(|v| !v.is_empty());
        let kind = self.kind.get_untracked().parse::<AlertKind>().map_err(invalid)?;
        let secret = opt(self.secret);
        Ok(AlertRuleInput {
            name: self.name.get_untracked(),
            kind,
            enabled: true,
            environment: opt(self.environment),
            level: opt(self.level),
            quiet_until: self.quiet.get_untracked().trim().parse().unwrap_or(0),
            throttle_minutes: self.throttle.get_untracked().trim().parse().unwrap_or(0),
            scope: opt(self.scope),
            vital: opt(self.vital),
            page: opt(self.page),
            threshold: self.threshold.get_untracked().trim().parse().ok(),
            window_minutes: self.window.get_untracked().trim().parse().ok(),
            email_to: self
                .email
                .get_untracked()
                .split(',')
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect(),
            webhook_url: opt(self.webhook),
            // Absent keeps the stored secret when editing.
            webhook_secret: secret,
        })
    }
}

/// Describes when `rule` fires, in words.
fn describe(rule: &AlertRule) -> String {
    let mut text = match rule.kind {
        AlertKind::NewIssue if rule.quiet_until > 1 => format!("new issue, once it has {} events", rule.quiet_until),
        AlertKind::NewIssue => "new issue".to_string(),
        AlertKind::Regression => "regression".to_string(),
        AlertKind::Frequency => format!(
            "≥ {} events of {} in {} min",
            rule.threshold.unwrap_or_default(),
            if rule.scope.as_deref() == Some("project") { "the project" } else { "one issue" },
            rule.window_minutes.unwrap_or_default()
        ),
        AlertKind::Feedback => "user feedback".to_string(),
        AlertKind::Vital => format!(
            "{} p75 > {} on {} over {} min",
            rule.vital.map_or("", format::vital_abbr),
            rule.threshold.unwrap_or_default(),
            rule.page.as_deref().unwrap_or("all pages"),
            rule.window_minutes.unwrap_or_default()
        ),
    };
    if let Some(e) = &rule.environment {
        text.push_str(&format!(", environment {e}"));
    }
    if let Some(l) = rule.level {
        text.push_str(&format!(", level {l}"));
    }
    if rule.throttle_minutes > 0 {
        text.push_str(&format!(", at most every {} min", rule.throttle_minutes));
    }
    text
}

#[component]
fn RuleRow(
    rule: AlertRule,
    form: RuleForm,
    on_change: Callback<()>,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let id = rule.id;
    let enabled = rule.enabled;
    let toggled = {
        let r = rule.clone();
        AlertRuleInput {
            name: r.name,
            kind: r.kind,
            enabled: !r.enabled,
            environment: r.environment,
            level: r.level.map(|l| l.as_str().to_string()),
            quiet_until: r.quiet_until,
            throttle_minutes: r.throttle_minutes,
            scope: r.scope,
            vital: r.vital.map(|v| v.as_str().to_string()),
            page: r.page,
            threshold: r.threshold,
            window_minutes: r.window_minutes,
            email_to: r.email_to,
            webhook_url: r.webhook_url,
            webhook_secret: None,
        }
    };
    /// What a row's buttons do.
    #[derive(Clone, Copy)]
    enum Do {
        Toggle,
        Delete,
        Test,
    }
    let run = api_action(move |what: &Do| {
        let (what, input) = (*what, toggled.clone());
        async move {
            match what {
                Do::Toggle => api::replace_alert_rule(id, input).await.map(|_| ())?,
                Do::Delete => api::delete_alert_rule(id).await.map(|_| ())?,
                Do::Test => api::test_alert_rule(id).await.map(|_| ())?,
            }
            on_change.run(());
            Ok(())
        }
    });
    report(run, error);
    let busy = pending(run);
    let click = move |what: Do| {
        Callback::new(move |_| {
            run.dispatch(what);
        })
    };
    let mut targets = rule.email_to.clone();
    targets.extend(rule.webhook_url.iter().map(|u| format!("webhook {u}")));
    let edit = {
        let r = rule.clone();
        move |_| form.load(Some(&r))
    };
    view! {
        <tr class:inactive=!enabled>
            <td><strong>{rule.name.clone()}</strong>{(!enabled).then(|| view! { <span class="badge">"off"</span> })}</td>
            <td>{describe(&rule)}</td>
            <td>{targets.join(", ")}</td>
            <td>
                <div class="actions">
                    <ActionButton pending=busy on_click=click(Do::Test) title="Queue a test notification on this rule's channels">"Send test"</ActionButton>
                    <button type="button" on:click=edit>"Edit"</button>
                    <ActionButton pending=busy on_click=click(Do::Toggle)>{if enabled { "Disable" } else { "Enable" }}</ActionButton>
                    <ActionButton pending=busy on_click=click(Do::Delete)>"Delete"</ActionButton>
                </div>
            </td>
        </tr>
    }
}
