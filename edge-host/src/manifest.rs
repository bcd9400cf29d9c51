//! What the host reads from `spin.toml` (manifest version 2): the one HTTP
//! trigger's route and component, the component's file, the key-value stores
//! and SQLite databases it may open, and the variables. Everything else in the manifest
//! (build commands, outbound hosts, descriptions) is Spin tooling's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::route::Route;

#[derive(Debug)]
pub struct Manifest {
    /// The component's name in the manifest, as Spin's log lines use it.
    pub component_id: String,
    pub route: Route,
    /// The component's `source`, resolved against the manifest's directory.
    pub source: PathBuf,
    pub key_value_stores: Vec<String>,
    pub sqlite_databases: Vec<String>,
    pub variables: BTreeMap<String, Variable>,
    /// The component's variables: name -> template over `variables`.
    pub component_variables: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Deserialize)]
struct File {
    spin_manifest_version: u32,
    #[serde(default)]
    variables: BTreeMap<String, Variable>,
    trigger: Triggers,
    component: BTreeMap<String, Component>,
}

#[derive(Deserialize)]
struct Triggers {
    http: Vec<HttpTrigger>,
}

#[derive(Deserialize)]
struct HttpTrigger {
    route: String,
    component: String,
}

#[derive(Deserialize)]
struct Component {
    source: String,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("{}: cannot read: {err}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Manifest::parse(&text, dir).map_err(|err| format!("{}: {err}", path.display()))
    }

    /// `dir` is where the manifest lives: `source` is relative to it.
    pub fn parse(text: &str, dir: &Path) -> Result<Manifest, String> {
        let file: File = toml::from_str(text).map_err(|err| err.to_string())?;
        if file.spin_manifest_version != 2 {
            return Err(format!(
                "spin_manifest_version {} (only 2 is read)",
                file.spin_manifest_version
            ));
        }
        let [trigger] = file.trigger.http.as_slice() else {
            return Err(format!(
                "{} [[trigger.http]] entries: this host serves exactly one",
                file.trigger.http.len()
            ));
        };
        let component = file.component.get(&trigger.component).ok_or_else(|| {
            format!(
                "trigger names component {:?}, which is not defined",
                trigger.component
            )
        })?;
        Ok(Manifest {
            component_id: trigger.component.clone(),
            route: Route::parse(&trigger.route)?,
            source: dir.join(&component.source),
            key_value_stores: component.key_value_stores.clone(),
            sqlite_databases: component.sqlite_databases.clone(),
            variables: file.variables,
            component_variables: component.variables.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
