//! `fermyon:spin/variables`: the component's variables, resolved once at
//! start-up as Spin's default providers would. An application variable is
//! `SPIN_VARIABLE_<NAME>` from the environment if set, else its manifest
//! `default`; a component variable is a template such as `"{{ demo_faults }}"`
//! over those.

use std::collections::BTreeMap;

use crate::manifest::Variable;

/// Component variable name -> resolved value.
#[derive(Debug, Default)]
pub struct Variables(BTreeMap<String, String>);

pub enum Lookup<'a> {
    Found(&'a str),
    InvalidName,
    Undefined,
}

impl Variables {
    /// `environment` is asked for `SPIN_VARIABLE_<NAME>` (the thin binary
    /// passes the process environment).
    pub fn resolve(
        application: &BTreeMap<String, Variable>,
        component: &BTreeMap<String, String>,
        environment: impl Fn(&str) -> Option<String>,
    ) -> Result<Variables, String> {
        let mut values = BTreeMap::new();
        for (name, variable) in application {
            check_name(name)?;
            let from_env = environment(&format!("SPIN_VARIABLE_{}", name.to_uppercase()));
            let value = match (from_env, &variable.default, variable.required) {
                (Some(value), _, _) => value,
                (None, Some(default), false) => default.clone(),
                (None, None, true) => {
                    return Err(format!("variable {name:?} is required and not set"));
                }
                (None, Some(_), true) => {
                    return Err(format!(
                        "variable {name:?} has a default and is required: pick one"
                    ));
                }
                (None, None, false) => {
                    return Err(format!(
                        "variable {name:?} needs a default or `required = true`"
                    ));
                }
            };
            values.insert(name.clone(), value);
        }
        let resolved = component
            .iter()
            .map(|(name, template)| {
                check_name(name)?;
                let value = expand(template, &values)
                    .map_err(|err| format!("component variable {name:?}: {err}"))?;
                Ok((name.clone(), value))
            })
            .collect::<Result<_, String>>()?;
        Ok(Variables(resolved))
    }

    pub fn get(&self, name: &str) -> Lookup<'_> {
        if check_name(name).is_err() {
            return Lookup::InvalidName;
        }
        self.0
            .get(name)
            .map_or(Lookup::Undefined, |value| Lookup::Found(value))
    }
}

/// Spin's variable names: lowercase ASCII letters, digits and `_`, starting
/// with a letter.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!("invalid variable name {name:?}"))
    }
}

/// Literal text with `{{ name }}` references to application variables.
fn expand(template: &str, values: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let close = rest[open..].find("}}").ok_or("unclosed '{{'")? + open;
        let name = rest[open + 2..close].trim();
        let value = values
            .get(name)
            .ok_or_else(|| format!("refers to {name:?}, which is not an application variable"))?;
        out.push_str(value);
        rest = &rest[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests;

impl crate::bindings::fermyon::spin::variables::Host for &Variables {
    fn get(
        &mut self,
        name: String,
    ) -> Result<String, crate::bindings::fermyon::spin::variables::Error> {
        use crate::bindings::fermyon::spin::variables::Error;
        match Variables::get(self, &name) {
            Lookup::Found(value) => Ok(value.to_owned()),
            Lookup::InvalidName => Err(Error::InvalidName(format!(
                "invalid variable name {name:?}"
            ))),
            Lookup::Undefined => Err(Error::Undefined(format!("no variable for {name:?}"))),
        }
    }
}
