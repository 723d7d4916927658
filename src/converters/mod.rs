//! Built-in converters (Java's `StringConverter`, `JsonConverter`,
//! `ByteArrayConverter`, the number and boolean converters and
//! `SimpleHeaderConverter`), and the lookup by Java class name that
//! `key.converter`, `value.converter` and `header.converter` use.

/// Implements `HeaderConverter` for a `Converter` by delegating to it, as
/// Java's converters double as header converters (`ConverterType.HEADER`).
/// `$configure` turns the header settings into the converter's configuration.
macro_rules! header_converter_via_converter {
    ($type:ty, |$this:ident, $configs:ident| $configure:expr) => {
        impl $crate::api::converter::HeaderConverter for $type {
            fn configure(
                &mut self,
                configs: &std::collections::HashMap<String, String>,
            ) -> $crate::api::error::ConnectResult<()> {
                let ($this, $configs) = (self, configs);
                $configure
            }

            fn from_connect_header(
                &self,
                topic: &str,
                _header_key: &str,
                schema: Option<&$crate::api::data::Schema>,
                value: &$crate::api::data::Value,
            ) -> $crate::api::error::ConnectResult<Option<bytes::Bytes>> {
                $crate::api::converter::Converter::from_connect(self, topic, schema, value)
            }

            fn to_connect_header(
                &self,
                topic: &str,
                _header_key: &str,
                bytes: Option<&bytes::Bytes>,
            ) -> $crate::api::error::ConnectResult<$crate::api::converter::SchemaAndValue> {
                $crate::api::converter::Converter::to_connect(self, topic, bytes)
            }
        }
    };
}

pub mod boolean;
pub mod byte_array;
pub mod json;
pub mod number;
pub mod simple_header;
pub mod string;

pub use boolean::BooleanConverter;
pub use byte_array::ByteArrayConverter;
pub use json::JsonConverter;
pub use number::{NumberConverter, NumberKind};
pub use simple_header::SimpleHeaderConverter;
pub use string::StringConverter;

use crate::api::converter::{Converter, HeaderConverter};

/// Every converter class, by Java name, sorted (the REST plugin list).
pub const CONVERTERS: &[&str] = &[
    "org.apache.kafka.connect.converters.BooleanConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter",
    "org.apache.kafka.connect.converters.DoubleConverter",
    "org.apache.kafka.connect.converters.FloatConverter",
    "org.apache.kafka.connect.converters.IntegerConverter",
    "org.apache.kafka.connect.converters.LongConverter",
    "org.apache.kafka.connect.converters.ShortConverter",
    "org.apache.kafka.connect.json.JsonConverter",
    "org.apache.kafka.connect.storage.StringConverter",
];

/// Every header converter class, by Java name, sorted.
pub const HEADER_CONVERTERS: &[&str] = &[
    "org.apache.kafka.connect.converters.BooleanConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter",
    "org.apache.kafka.connect.converters.DoubleConverter",
    "org.apache.kafka.connect.converters.FloatConverter",
    "org.apache.kafka.connect.converters.IntegerConverter",
    "org.apache.kafka.connect.converters.LongConverter",
    "org.apache.kafka.connect.converters.ShortConverter",
    "org.apache.kafka.connect.json.JsonConverter",
    "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    "org.apache.kafka.connect.storage.StringConverter",
];

/// The converter a `*.converter` setting names: a Java class name
/// (`org.apache.kafka.connect.json.JsonConverter`) or its simple name
/// (`JsonConverter`). Unconfigured; `None` for unknown names.
pub fn converter_by_class(name: &str) -> Option<Box<dyn Converter>> {
    Some(match simple_name(name)? {
        "StringConverter" => Box::new(StringConverter::new()),
        "JsonConverter" => Box::new(JsonConverter::new()),
        "ByteArrayConverter" => Box::new(ByteArrayConverter::new()),
        "ShortConverter" => Box::new(NumberConverter::short()),
        "IntegerConverter" => Box::new(NumberConverter::integer()),
        "LongConverter" => Box::new(NumberConverter::long()),
        "FloatConverter" => Box::new(NumberConverter::float()),
        "DoubleConverter" => Box::new(NumberConverter::double()),
        "BooleanConverter" => Box::new(BooleanConverter::new()),
        _ => return None,
    })
}

/// The header converter a `header.converter` setting names (Java class name
/// or simple name): `SimpleHeaderConverter`, or any converter that Java also
/// lets serve headers (`StringConverter`, `JsonConverter`...).
pub fn header_converter_by_class(name: &str) -> Option<Box<dyn HeaderConverter>> {
    Some(match simple_name(name)? {
        "SimpleHeaderConverter" => Box::new(SimpleHeaderConverter::new()),
        "StringConverter" => Box::new(StringConverter::new()),
        "JsonConverter" => Box::new(JsonConverter::new()),
        "ByteArrayConverter" => Box::new(ByteArrayConverter::new()),
        "ShortConverter" => Box::new(NumberConverter::short()),
        "IntegerConverter" => Box::new(NumberConverter::integer()),
        "LongConverter" => Box::new(NumberConverter::long()),
        "FloatConverter" => Box::new(NumberConverter::float()),
        "DoubleConverter" => Box::new(NumberConverter::double()),
        "BooleanConverter" => Box::new(BooleanConverter::new()),
        _ => return None,
    })
}

/// The simple class name of a built-in, given its full or simple name;
/// `None` for a full name outside the packages Java puts them in.
fn simple_name(name: &str) -> Option<&str> {
    let name = name.trim();
    const PACKAGES: [&str; 3] = [
        "org.apache.kafka.connect.storage.",
        "org.apache.kafka.connect.json.",
        "org.apache.kafka.connect.converters.",
    ];
    let (package, simple) = match name.rfind('.') {
        Some(i) => (&name[..=i], &name[i + 1..]),
        None => return Some(name),
    };
    let expected = match simple {
        "StringConverter" | "SimpleHeaderConverter" => PACKAGES[0],
        "JsonConverter" => PACKAGES[1],
        _ => PACKAGES[2],
    };
    (package == expected).then_some(simple)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_java_and_simple_names() {
        for name in [
            "org.apache.kafka.connect.storage.StringConverter",
            "StringConverter",
            "org.apache.kafka.connect.converters.ByteArrayConverter",
            "org.apache.kafka.connect.converters.ShortConverter",
            "org.apache.kafka.connect.converters.IntegerConverter",
            "org.apache.kafka.connect.converters.LongConverter",
            "org.apache.kafka.connect.converters.FloatConverter",
            "org.apache.kafka.connect.converters.DoubleConverter",
            "org.apache.kafka.connect.converters.BooleanConverter",
            "BooleanConverter",
            "org.apache.kafka.connect.json.JsonConverter",
            "JsonConverter",
        ] {
            assert!(converter_by_class(name).is_some(), "{name}");
        }
        for name in [
            "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            "SimpleHeaderConverter",
            "org.apache.kafka.connect.storage.StringConverter",
            "org.apache.kafka.connect.json.JsonConverter",
        ] {
            assert!(header_converter_by_class(name).is_some(), "{name}");
        }
        assert!(converter_by_class("SimpleHeaderConverter").is_none());
        for name in [
            "org.apache.kafka.connect.json.StringConverter",
            "com.example.MyConverter",
            "Nope",
        ] {
            assert!(converter_by_class(name).is_none(), "{name}");
        }
    }
}
