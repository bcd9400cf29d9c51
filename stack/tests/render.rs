//! The committed output is exactly what `stack render` produces, and a bad
//! configuration stops the render with an error naming the key, before
//! anything is written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use stack_config::Config;
use stack_render::{REFRESH_COMMAND, render};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stack-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stack"))
        .args(args)
        .output()
        .expect("stack runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn committed_output_matches_the_rendering() {
    let config = Config::load(&repo_root().join("stack.toml")).unwrap();
    let tree = render(&config).unwrap();
    let drifted = tree.drift(&repo_root());
    assert!(
        drifted.is_empty(),
        "committed files differ from `stack render` output: {drifted:?}\n\
         run `{REFRESH_COMMAND}` and commit the result"
    );
}

#[test]
fn check_flag_reports_drift_and_names_the_refresh_command() {
    let out = scratch("check");
    let config = repo_root().join("stack.toml");
    let config = config.to_str().unwrap();
    let out_arg = out.to_str().unwrap();

    let before = stack(&["render", "--config", config, "--out", out_arg, "--check"]);
    assert!(
        !before.status.success(),
        "--check passed on an empty directory"
    );
    assert!(
        stderr(&before).contains(REFRESH_COMMAND),
        "{}",
        stderr(&before)
    );
    assert!(stderr(&before).contains("k8s/base/files/app.rules.yml"));
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "--check wrote files"
    );

    let rendered = stack(&["render", "--config", config, "--out", out_arg]);
    assert!(rendered.status.success(), "{}", stderr(&rendered));
    let after = stack(&["render", "--config", config, "--out", out_arg, "--check"]);
    assert!(after.status.success(), "{}", stderr(&after));

    // One edited byte is drift again.
    let rules = out.join("k8s/base/files/app.rules.yml");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, text.replace("> 0.05", "> 0.5")).unwrap();
    let edited = stack(&["render", "--config", config, "--out", out_arg, "--check"]);
    assert!(!edited.status.success());
    assert!(
        stderr(&edited).contains("app.rules.yml"),
        "{}",
        stderr(&edited)
    );

    // A file left by an earlier renderer is drift too, named.
    std::fs::write(&rules, text).unwrap();
    let stale = out.join("monitoring/prometheus/rules/app.rules.yml");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, "groups: []\n").unwrap();
    let leftover = stack(&["render", "--config", config, "--out", out_arg, "--check"]);
    assert!(!leftover.status.success(), "a stale file passed --check");
    assert!(
        stderr(&leftover).contains("monitoring/prometheus/rules/app.rules.yml"),
        "{}",
        stderr(&leftover)
    );
    std::fs::remove_dir_all(&out).unwrap();
}

/// Renders `config_text` into an empty directory and expects failure naming `key`.
fn assert_rejected(name: &str, config_text: &str, key: &str, extra: &[&str]) {
    let dir = scratch(name);
    let config = dir.join("stack.toml");
    std::fs::write(&config, config_text).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "render",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = stack(&args);
    assert!(!output.status.success(), "{name}: accepted");
    let message = stderr(&output);
    assert!(
        message.contains(key),
        "{name}: error does not name {key}: {message}"
    );
    assert!(
        !out.exists(),
        "{name}: files were written despite the error"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_key_is_rejected() {
    assert_rejected("unknown-top", "namespaec = \"x\"\n", "namespaec", &[]);
    assert_rejected(
        "unknown-nested",
        "[alerts]\nerror_ratio_threshold = 0.1\n",
        "error_ratio_threshold",
        &[],
    );
}

#[test]
fn out_of_range_values_are_rejected() {
    assert_rejected(
        "threshold",
        "[alerts]\nerror_ratio = 1.5\n",
        "alerts.error_ratio",
        &[],
    );
    assert_rejected(
        "slo",
        "[slo]\navailability_target = 1.0\n",
        "slo.availability_target",
        &[],
    );
    assert_rejected("replicas", "[app]\nreplicas = 0\n", "app.replicas", &[]);
    assert_rejected(
        "interval",
        "[prometheus]\nscrape_interval = \"0s\"\n",
        "prometheus.scrape_interval",
        &[],
    );
    assert_rejected(
        "duration",
        "[alerts]\nerror_for = \"5 minutes\"\n",
        "error_for",
        &[],
    );
    assert_rejected(
        "latency-bucket",
        "[slo]\nlatency_threshold_seconds = 0.3\n",
        "slo.latency_threshold_seconds",
        &[],
    );
    // A pager cannot open a link relative to the repository.
    assert_rejected(
        "runbook-relative",
        "[alerts]\nrunbook_base_url = \"docs/\"\n",
        "alerts.runbook_base_url",
        &[],
    );
    assert_rejected(
        "runbook-removed-key",
        "[alerts]\nrunbook_url = \"docs/runbook.md\"\n",
        "runbook_url",
        &[],
    );
    // A 60-day budget with 30 days of history.
    assert_rejected("slo-period", "[slo]\nperiod = \"60d\"\n", "slo.period", &[]);
    // 14.4x the budget of a 90% SLO is more than every request failing.
    assert_rejected(
        "burn-rate",
        "[slo]\navailability_target = 0.9\n",
        "slo.windows[0].burn_rate",
        &[],
    );
}

#[test]
fn empty_namespace_is_rejected() {
    assert_rejected("namespace", "namespace = \"\"\n", "namespace", &[]);
}

#[test]
fn unpinned_image_flag_is_rejected() {
    assert_rejected(
        "image",
        "",
        "--image-native",
        &["--image-native", "localhost/app-native"],
    );
}

#[test]
fn defaults_and_file_agree_on_the_flake_keys() {
    // The Nix flake reads these keys with builtins.fromTOML: they must stay
    // in stack.toml, spelt exactly so.
    let text = std::fs::read_to_string(repo_root().join("stack.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    assert!(table["namespace"].is_str());
    for variant in ["native", "spin", "receiver"] {
        let image = &table["images"][variant];
        assert!(
            image["repository"].is_str() && image["tag"].is_str(),
            "{variant}"
        );
    }
    assert!(table["app"]["port"].is_integer());
}

#[test]
fn every_alert_links_to_a_runbook_section_that_exists() {
    let runbook = std::fs::read_to_string(repo_root().join("docs/runbook.md")).unwrap();
    // GitHub's anchor for "## Name" is the lowercased heading.
    let anchors: Vec<String> = runbook
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .map(|heading| heading.trim().to_lowercase())
        .collect();
    let config = Config::default();
    let rules = stack_render::monitoring::rules::RuleSet::new(&config);
    for alert in rules.alerts() {
        assert!(
            anchors.contains(&alert.runbook_anchor),
            "docs/runbook.md has no section `## {}`",
            alert.alert
        );
    }
}

/// The examples commented out in stack.toml are real keys with their real
/// defaults: uncommented, they must load and change nothing.
#[test]
fn commented_examples_in_stack_toml_are_the_defaults() {
    let text = std::fs::read_to_string(repo_root().join("stack.toml")).unwrap();
    let examples: String = text
        .lines()
        .filter_map(|line| line.strip_prefix("# "))
        .filter(|line| {
            line.starts_with('[')
                || line
                    .split_once(" = ")
                    .is_some_and(|(k, _)| !k.contains(' '))
        })
        .map(|line| line.split("   #").next().unwrap().trim_end())
        .filter(|line| {
            !line.starts_with("[[prometheus.remote_write]]") && !line.starts_with("url =")
        })
        .filter(|line| !line.starts_with("watchdog_url"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        examples.contains("[alerts]"),
        "no examples found:\n{examples}"
    );
    let with_examples = format!("{text}\n{examples}\n");
    let config = Config::from_toml(&with_examples)
        .unwrap_or_else(|e| panic!("examples do not load: {e}\n{examples}"));
    assert_eq!(
        config,
        Config::from_toml(&text).unwrap(),
        "an example differs from its default"
    );
}
