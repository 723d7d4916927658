//! The single message transforms and predicates that ship with Apache Kafka
//! (`org.apache.kafka.connect.transforms`), one file per SMT, with Java's
//! config keys and behaviour. Each works on both source and sink records
//! (generic over [`ConnectRecord`]) and on schema'd (Struct) and schemaless
//! (map) data. Classes resolve by their Java name
//! (`org.apache.kafka.connect.transforms.InsertField$Value`) and by short
//! name (`InsertField$Value`, `RegexRouter`).

pub mod cast;
pub mod drop_headers;
pub mod extract_field;
pub mod field_path;
pub mod filter;
pub mod flatten;
pub mod header_from;
pub mod hoist_field;
pub mod insert_field;
pub mod insert_header;
pub mod mask_field;
pub mod predicates;
pub mod regex_router;
pub mod replace_field;
pub mod set_schema_metadata;
pub mod timestamp_converter;
pub mod timestamp_router;
pub mod util;
pub mod util_props;
pub mod util_regex;
pub mod util_time;
pub mod value_to_key;

use crate::api::transform::{ConnectRecord, Predicate, Transformation};

use util::Which;

const PACKAGE: &str = "org.apache.kafka.connect.transforms.";
const PREDICATE_PACKAGE: &str = "org.apache.kafka.connect.transforms.predicates.";

/// Every transformation class, by Java name, sorted as Java lists plugins.
pub const TRANSFORMATIONS: &[&str] = &[
    "org.apache.kafka.connect.transforms.Cast$Key",
    "org.apache.kafka.connect.transforms.Cast$Value",
    "org.apache.kafka.connect.transforms.DropHeaders",
    "org.apache.kafka.connect.transforms.ExtractField$Key",
    "org.apache.kafka.connect.transforms.ExtractField$Value",
    "org.apache.kafka.connect.transforms.Filter",
    "org.apache.kafka.connect.transforms.Flatten$Key",
    "org.apache.kafka.connect.transforms.Flatten$Value",
    "org.apache.kafka.connect.transforms.HeaderFrom$Key",
    "org.apache.kafka.connect.transforms.HeaderFrom$Value",
    "org.apache.kafka.connect.transforms.HoistField$Key",
    "org.apache.kafka.connect.transforms.HoistField$Value",
    "org.apache.kafka.connect.transforms.InsertField$Key",
    "org.apache.kafka.connect.transforms.InsertField$Value",
    "org.apache.kafka.connect.transforms.InsertHeader",
    "org.apache.kafka.connect.transforms.MaskField$Key",
    "org.apache.kafka.connect.transforms.MaskField$Value",
    "org.apache.kafka.connect.transforms.RegexRouter",
    "org.apache.kafka.connect.transforms.ReplaceField$Key",
    "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
    "org.apache.kafka.connect.transforms.TimestampConverter$Key",
    "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    "org.apache.kafka.connect.transforms.TimestampRouter",
    "org.apache.kafka.connect.transforms.ValueToKey",
];

/// Every predicate class, by Java name.
pub const PREDICATES: &[&str] = &[
    "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
];

/// The full Java class name for `name` (a full name or a short one).
fn full_name(name: &str, package: &str, known: &[&'static str]) -> Option<&'static str> {
    let name = name.trim();
    known
        .iter()
        .copied()
        .find(|c| *c == name || c.strip_prefix(package) == Some(name))
}

/// The transformation class `name`, unconfigured; `None` if unknown.
pub fn transformation_by_class<R: ConnectRecord>(name: &str) -> Option<Box<dyn Transformation<R>>> {
    let class = full_name(name, PACKAGE, TRANSFORMATIONS)?;
    let simple = class.strip_prefix(PACKAGE)?;
    let (base, which) = match simple.split_once('$') {
        Some((base, "Key")) => (base, Some(Which::Key)),
        Some((base, "Value")) => (base, Some(Which::Value)),
        _ => (simple, None),
    };
    // One arm per SMT: `("InsertField", Some(which)) => Some(Box::new(...))`.
    let made: Option<Box<dyn Transformation<R>>> = match (base, which) {
        ("Cast", Some(which)) => Some(Box::new(cast::Cast::new(which))),
        ("ExtractField", Some(which)) => Some(Box::new(extract_field::ExtractField::new(which))),
        ("Flatten", Some(which)) => Some(Box::new(flatten::Flatten::new(which))),
        ("HoistField", Some(which)) => Some(Box::new(hoist_field::HoistField::new(which))),
        ("InsertField", Some(which)) => Some(Box::new(insert_field::InsertField::new(which))),
        ("MaskField", Some(which)) => Some(Box::new(mask_field::MaskField::new(which))),
        ("ReplaceField", Some(which)) => Some(Box::new(replace_field::ReplaceField::new(which))),
        ("ValueToKey", None) => Some(Box::new(value_to_key::ValueToKey::new())),
        ("DropHeaders", None) => Some(Box::new(drop_headers::DropHeaders::default())),
        ("Filter", None) => Some(Box::new(filter::Filter)),
        ("HeaderFrom", Some(which)) => Some(Box::new(header_from::HeaderFrom::new(which))),
        ("InsertHeader", None) => Some(Box::new(insert_header::InsertHeader::default())),
        ("RegexRouter", None) => Some(Box::new(regex_router::RegexRouter::default())),
        ("SetSchemaMetadata", Some(which)) => {
            Some(Box::new(set_schema_metadata::SetSchemaMetadata::new(which)))
        }
        ("TimestampConverter", Some(which)) => Some(Box::new(
            timestamp_converter::TimestampConverter::new(which),
        )),
        ("TimestampRouter", None) => Some(Box::new(timestamp_router::TimestampRouter::default())),
        _ => None,
    };
    made
}

/// The predicate class `name`, unconfigured; `None` if unknown.
pub fn predicate_by_class<R: ConnectRecord>(name: &str) -> Option<Box<dyn Predicate<R>>> {
    let class = full_name(name, PREDICATE_PACKAGE, PREDICATES)?;
    let simple = class.strip_prefix(PREDICATE_PACKAGE)?;
    // One arm per predicate: `"HasHeaderKey" => Some(Box::new(...))`.
    let made: Option<Box<dyn Predicate<R>>> = match simple {
        "HasHeaderKey" => Some(Box::new(predicates::HasHeaderKey::default())),
        "RecordIsTombstone" => Some(Box::new(predicates::RecordIsTombstone)),
        "TopicNameMatches" => Some(Box::new(predicates::TopicNameMatches::default())),
        _ => None,
    };
    made
}
