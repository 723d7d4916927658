//! The REST shapes of `PUT /connector-plugins/{plugin}/config/validate`
//! and `GET /connector-plugins/{plugin}/config`: Java's `ConfigInfos`,
//! `ConfigInfo`, `ConfigKeyInfo` and `ConfigValueInfo` (connect/runtime
//! rest entities), filled as `AbstractHerder.generateResult` fills them.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::types::{Type, Value};
use super::{ConfigKey, ConfigValue};

/// The REST body of `PUT /connector-plugins/{plugin}/config/validate`.
/// Field order and names are Java's (`ConfigInfos`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfos {
    pub name: String,
    pub error_count: usize,
    pub groups: Vec<String>,
    pub configs: Vec<ConfigInfo>,
}

impl ConfigInfos {
    /// `AbstractHerder.generateResult`: first the validated keys that are
    /// not declared (definition null), then every declared key in order,
    /// with its value when it was validated; `error_count` sums both.
    pub fn generate(
        name: &str,
        keys: &IndexMap<String, ConfigKey>,
        values: &[ConfigValue],
        groups: Vec<String>,
    ) -> ConfigInfos {
        let mut error_count = 0;
        let mut configs = Vec::new();
        let mut by_name: HashMap<&str, &ConfigValue> = HashMap::new();
        for value in values {
            by_name.insert(&value.name, value);
            if !keys.contains_key(&value.name) {
                configs.push(ConfigInfo {
                    definition: None,
                    value: Some(ConfigValueInfo::from_value(value, None)),
                });
                error_count += value.errors.len();
            }
        }
        for (key_name, key) in keys {
            let value = by_name.get(key_name.as_str()).map(|value| {
                error_count += value.errors.len();
                ConfigValueInfo::from_value(value, Some(key.config_type))
            });
            configs.push(ConfigInfo {
                definition: Some(ConfigKeyInfo::from_key(key, "")),
                value,
            });
        }
        ConfigInfos {
            name: name.to_string(),
            error_count,
            groups,
            configs,
        }
    }
}

/// One key in [`ConfigInfos`]: its definition and validation result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfo {
    pub definition: Option<ConfigKeyInfo>,
    pub value: Option<ConfigValueInfo>,
}

/// A key's definition as the REST API shows it (`ConfigKeyInfo`). Java
/// serializes the order in group as `order`, after `dependents` (Jackson
/// puts creator properties first, and the creator's `order_in_group` has
/// no getter); `order_in_group` is accepted when reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigKeyInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub config_type: String,
    pub required: bool,
    pub default_value: Option<String>,
    pub importance: String,
    pub documentation: Option<String>,
    pub group: Option<String>,
    pub width: String,
    pub display_name: String,
    pub dependents: Vec<String>,
    #[serde(rename = "order", alias = "order_in_group")]
    pub order_in_group: i32,
}

impl ConfigKeyInfo {
    /// `AbstractHerder.convertConfigKey`, with `prefix` before the name (as
    /// for converter and transform keys).
    pub fn from_key(key: &ConfigKey, prefix: &str) -> ConfigKeyInfo {
        ConfigKeyInfo {
            name: format!("{prefix}{}", key.name),
            config_type: key.config_type.name().to_string(),
            required: !key.has_default(),
            default_value: key.default_value().map(Value::to_config_string),
            importance: key.importance.name().to_string(),
            documentation: key.documentation.clone(),
            group: key.group.clone(),
            width: key.width.name().to_string(),
            display_name: key.display_name.clone(),
            dependents: key.dependents.clone(),
            order_in_group: key.order_in_group,
        }
    }
}

/// A key's validation result as the REST API shows it (`ConfigValueInfo`).
/// Passwords show as `[hidden]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigValueInfo {
    pub name: String,
    pub value: Option<String>,
    pub recommended_values: Vec<String>,
    pub errors: Vec<String>,
    pub visible: bool,
}

impl ConfigValueInfo {
    /// `AbstractHerder.convertConfigValue`.
    pub fn from_value(value: &ConfigValue, _config_type: Option<Type>) -> ConfigValueInfo {
        ConfigValueInfo {
            name: value.name.clone(),
            value: value.value.as_ref().map(Value::to_config_string),
            recommended_values: value
                .recommended_values
                .iter()
                .map(Value::to_config_string)
                .collect(),
            errors: value.errors.clone(),
            visible: value.visible,
        }
    }
}
