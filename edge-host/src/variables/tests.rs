use std::collections::BTreeMap;

use super::{Lookup, Variables};
use crate::manifest::Variable;

fn application(default: Option<&str>, required: bool) -> BTreeMap<String, Variable> {
    let variable = Variable {
        default: default.map(str::to_owned),
        required,
        secret: false,
    };
    BTreeMap::from([("demo_faults".to_owned(), variable)])
}

fn component(template: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("faults".to_owned(), template.to_owned())])
}

fn value(variables: &Variables, name: &str) -> Option<String> {
    match variables.get(name) {
        Lookup::Found(value) => Some(value.to_owned()),
        _ => None,
    }
}

#[test]
fn the_environment_overrides_the_default() {
    let app = application(Some("false"), false);
    let templates = component("on={{ demo_faults }}!");
    let defaults = Variables::resolve(&app, &templates, |_| None).unwrap();
    assert_eq!(value(&defaults, "faults").as_deref(), Some("on=false!"));
    let env = |key: &str| (key == "SPIN_VARIABLE_DEMO_FAULTS").then(|| "true".to_owned());
    let overridden = Variables::resolve(&app, &templates, env).unwrap();
    assert_eq!(value(&overridden, "faults").as_deref(), Some("on=true!"));
}

#[test]
fn unknown_and_invalid_names_are_told_apart() {
    let variables = Variables::resolve(
        &application(Some("x"), false),
        &component("{{demo_faults}}"),
        |_| None,
    )
    .unwrap();
    assert!(matches!(variables.get("other"), Lookup::Undefined));
    assert!(matches!(variables.get("Faults"), Lookup::InvalidName));
    // Application variables are not visible unless the component maps them.
    assert!(matches!(variables.get("demo_faults"), Lookup::Undefined));
}

#[test]
fn unresolvable_manifests_are_refused_with_the_name() {
    let missing =
        Variables::resolve(&application(None, true), &BTreeMap::new(), |_| None).unwrap_err();
    assert!(missing.contains("\"demo_faults\" is required"), "{missing}");
    let dangling = Variables::resolve(
        &application(Some("x"), false),
        &component("{{ nope }}"),
        |_| None,
    )
    .unwrap_err();
    assert!(
        dangling.contains("\"faults\"") && dangling.contains("\"nope\""),
        "{dangling}"
    );
}
