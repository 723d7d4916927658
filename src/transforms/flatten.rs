//! Flatten (`org.apache.kafka.connect.transforms.Flatten$Key` / `$Value`):
//! lifts the fields of nested Structs (or nested maps, schemaless) to the
//! top level, naming each by its path joined with `delimiter` (default
//! `.`). Arrays are left as they are. A flattened field is optional when
//! any ancestor is, and takes its default from the nearest ancestor's
//! default when it has none itself. Null keys and values pass unchanged.

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::data::{Schema, SchemaBuilder, Struct, Type as SchemaType, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::{
    copy_schema_basics, copy_schema_basics_into, require_map, require_struct_or_null, SchemaCache,
    SimpleConfig, Which,
};

pub const OVERVIEW_DOC: &str = "Flatten a nested data structure, generating names for each field by concatenating the field names at each level with a configurable delimiter character. Applies to Struct when schema present, or a Map in the case of schemaless data. Array fields and their contents are not modified. The default delimiter is '.'.";

const DELIMITER_CONFIG: &str = "delimiter";
const DELIMITER_DEFAULT: &str = ".";
const PURPOSE: &str = "flattening";

pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            DELIMITER_CONFIG,
            Type::String,
            Importance::Medium,
            "Delimiter to insert between field names from the input record when generating field names for the output record",
        )
        .with_default(DELIMITER_DEFAULT),
    )
}

pub struct Flatten {
    which: Which,
    delimiter: String,
    /// Flattened schema per input schema.
    cache: SchemaCache,
}

impl Flatten {
    pub fn new(which: Which) -> Flatten {
        Flatten {
            which,
            delimiter: DELIMITER_DEFAULT.to_string(),
            cache: SchemaCache::default(),
        }
    }

    fn field_name(&self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}{}{name}", self.delimiter)
        }
    }

    fn flatten_map(
        &self,
        original: &[(Value, Value)],
        prefix: &str,
        out: &mut Vec<(Value, Value)>,
    ) -> ConnectResult<()> {
        for (k, v) in original {
            let key = match k {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let name = self.field_name(prefix, &key);
            if v.is_null() {
                Value::map_put(out, Value::from(name), Value::Null);
                continue;
            }
            match v.schema_type() {
                None => {
                    return Err(ConnectError::data(format!(
                        "Flatten transformation was passed a value of type {} which is not supported by Connect's data API",
                        v.java_class()
                    )))
                }
                Some(SchemaType::Map) => {
                    let nested = require_map(v, PURPOSE)?;
                    self.flatten_map(nested, &name, out)?;
                }
                Some(SchemaType::Struct) => {
                    return Err(ConnectError::data(format!(
                        "Flatten transformation does not support {} for record without schemas (for field {name}).",
                        v.java_class()
                    )))
                }
                Some(_) => Value::map_put(out, Value::from(name), v.clone()),
            }
        }
        Ok(())
    }

    /// Java's `buildUpdatedSchema`: `optional` if any ancestor is,
    /// `default_from_parent` the ancestors' default for this struct.
    fn build_schema(
        &self,
        schema: &Schema,
        prefix: &str,
        mut builder: SchemaBuilder,
        optional: bool,
        default_from_parent: Option<&Struct>,
    ) -> ConnectResult<SchemaBuilder> {
        for field in schema.fields() {
            let name = self.field_name(prefix, &field.name);
            let field_optional = optional || field.schema.is_optional();
            let field_default: Option<Value> = match field.schema.default_value() {
                Some(d) => Some(d.clone()),
                None => default_from_parent
                    .and_then(|p| p.get(&field.name))
                    .filter(|v| !v.is_null())
                    .cloned(),
            };
            match field.schema.type_() {
                SchemaType::Map => return Err(unsupported_with_schema(&field.schema, &name)),
                SchemaType::Struct => {
                    let parent = match &field_default {
                        None => None,
                        Some(Value::Struct(s)) => Some(s),
                        Some(other) => {
                            return Err(ConnectError::data(format!(
                            "class {} cannot be cast to class org.apache.kafka.connect.data.Struct",
                            other.java_class().trim_start_matches("class ")
                        )))
                        }
                    };
                    builder =
                        self.build_schema(&field.schema, &name, builder, field_optional, parent)?;
                }
                _ => {
                    let converted =
                        convert_field_schema(&field.schema, field_optional, field_default)?;
                    builder = builder.try_field(name, converted)?;
                }
            }
        }
        Ok(builder)
    }

    /// Java's `buildWithSchema`: copies leaf values (defaults applied).
    fn build_value(&self, value: &Struct, prefix: &str, out: &mut Struct) -> ConnectResult<()> {
        for (i, field) in value.schema().fields().iter().enumerate() {
            let name = self.field_name(prefix, &field.name);
            match field.schema.type_() {
                SchemaType::Map => return Err(unsupported_with_schema(&field.schema, &name)),
                SchemaType::Struct => match value.get_index(i) {
                    Value::Null => {}
                    Value::Struct(nested) => self.build_value(nested, &name, out)?,
                    other => {
                        return Err(ConnectError::data(format!(
                            "Invalid Java object for schema with type STRUCT: {} for field: \"{}\"",
                            other.java_class(),
                            field.name
                        )))
                    }
                },
                _ => out.set(&name, value.get_index(i).clone())?,
            }
        }
        Ok(())
    }
}

fn unsupported_with_schema(schema: &Schema, name: &str) -> ConnectError {
    ConnectError::data(format!(
        "Flatten transformation does not support {} for record with schemas (for field {name}).",
        schema.type_()
    ))
}

/// Java's `convertFieldSchema`: the leaf's schema basics, optional when an
/// ancestor is, with the inherited default.
fn convert_field_schema(
    orig: &Schema,
    optional: bool,
    default: Option<Value>,
) -> ConnectResult<Schema> {
    let mut builder = copy_schema_basics(orig);
    if optional {
        builder = builder.optional();
    }
    if let Some(d) = default {
        builder = builder.try_default_value(d)?;
    }
    Ok(builder.build())
}

impl<R: ConnectRecord> Transformation<R> for Flatten {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.delimiter = config
            .get_string(DELIMITER_CONFIG)
            .unwrap_or(DELIMITER_DEFAULT)
            .to_string();
        self.cache = SchemaCache::default();
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        if self.which.value(&record).is_null() {
            return Ok(Some(record));
        }
        match self.which.schema(&record) {
            None => {
                let entries = require_map(self.which.value(&record), PURPOSE)?;
                let mut out = Vec::with_capacity(entries.len());
                self.flatten_map(entries, "", &mut out)?;
                self.which.set(&mut record, None, Value::Map(out));
            }
            Some(schema) => {
                let value = require_struct_or_null(self.which.value(&record), PURPOSE)?;
                let updated_schema = self.cache.get_or_try_insert(schema, || {
                    let builder = copy_schema_basics_into(schema, SchemaBuilder::struct_());
                    let parent_default = match schema.default_value() {
                        Some(Value::Struct(s)) => Some(s),
                        _ => None,
                    };
                    Ok(self
                        .build_schema(schema, "", builder, schema.is_optional(), parent_default)?
                        .build())
                })?;
                let updated = match value {
                    None => Value::Null,
                    Some(v) => {
                        let mut out = Struct::new(updated_schema.clone());
                        self.build_value(v, "", &mut out)?;
                        Value::Struct(out)
                    }
                };
                self.which.set(&mut record, Some(updated_schema), updated);
            }
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::record::SourceRecord;
    use crate::transforms::util::test_support::{map, props, source};
    use bytes::Bytes;

    fn xform(which: Which, pairs: &[(&str, &str)]) -> Flatten {
        let mut t = Flatten::new(which);
        Transformation::<SourceRecord>::configure(&mut t, &props(pairs)).unwrap();
        t
    }

    fn value_of(t: &Flatten, schema: Option<Schema>, value: Value) -> ConnectResult<SourceRecord> {
        t.apply(source(None, Value::Null, schema, value))
            .map(|r| r.unwrap())
    }

    fn supported_types_schema() -> Schema {
        SchemaBuilder::struct_()
            .field("int8", Schema::int8())
            .field("int16", Schema::int16())
            .field("int32", Schema::int32())
            .field("int64", Schema::int64())
            .field("float32", Schema::float32())
            .field("float64", Schema::float64())
            .field("boolean", Schema::boolean())
            .field("string", Schema::string())
            .field("bytes", Schema::bytes())
            .build()
    }

    fn supported_types() -> Vec<(&'static str, Value)> {
        vec![
            ("int8", Value::Int8(8)),
            ("int16", Value::Int16(16)),
            ("int32", Value::Int32(32)),
            ("int64", Value::Int64(64)),
            ("float32", Value::Float32(32.0)),
            ("float64", Value::Float64(64.0)),
            ("boolean", Value::Boolean(true)),
            ("string", Value::from("stringy")),
            ("bytes", Value::Bytes(Bytes::from_static(b"bytes"))),
        ]
    }

    #[test]
    fn top_level_struct_or_map_required() {
        let t = xform(Which::Value, &[]);
        let e = value_of(&t, Some(Schema::int32()), Value::Int32(42)).unwrap_err();
        assert_eq!(
            e.message,
            "Only Struct objects supported for [flattening], found: java.lang.Integer"
        );
        let e = value_of(&t, None, Value::Int32(42)).unwrap_err();
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [flattening], found: java.lang.Integer"
        );
    }

    #[test]
    fn nested_struct() {
        let t = xform(Which::Value, &[]);
        let inner = supported_types_schema();
        let mut s = Struct::new(inner.clone());
        for (k, v) in supported_types() {
            s.set(k, v).unwrap();
        }
        let b_schema = SchemaBuilder::struct_().field("B", inner).build();
        let a_schema = SchemaBuilder::struct_()
            .field("A", b_schema.clone())
            .build();
        let b = Struct::new(b_schema).put("B", Value::Struct(s)).unwrap();
        let a = Struct::new(a_schema.clone())
            .put("A", Value::Struct(b))
            .unwrap();
        let r = value_of(&t, Some(a_schema), Value::Struct(a)).unwrap();
        let schema = r.value_schema.unwrap();
        assert_eq!(schema.type_(), SchemaType::Struct);
        assert_eq!(schema.fields().len(), 9);
        let Value::Struct(out) = r.value else {
            panic!("not a struct")
        };
        for (k, v) in supported_types() {
            assert_eq!(out.get(&format!("A.B.{k}")), Some(&v), "{k}");
        }
    }

    #[test]
    fn nested_map_with_delimiter() {
        let t = xform(Which::Value, &[("delimiter", "#")]);
        let inner = map(&supported_types());
        let value = map(&[("A", map(&[("B", inner)]))]);
        let r = value_of(&t, None, value).unwrap();
        assert_eq!(r.value_schema, None);
        let Value::Map(entries) = &r.value else {
            panic!("not a map")
        };
        assert_eq!(entries.len(), 9);
        for (k, v) in supported_types() {
            assert_eq!(
                Value::map_get(entries, &Value::from(format!("A#B#{k}"))),
                Some(&v)
            );
        }
    }

    #[test]
    fn optional_fields_and_structs() {
        let t = xform(Which::Value, &[]);
        let opt = SchemaBuilder::struct_()
            .optional()
            .field("opt_int32", Schema::optional_int32())
            .build();
        // A null optional struct passes unchanged.
        let r = value_of(&t, Some(opt.clone()), Value::Null).unwrap();
        assert_eq!((r.value_schema, r.value), (Some(opt.clone()), Value::Null));
        // A null nested optional struct leaves its flattened fields null.
        let outer = SchemaBuilder::struct_().field("B", opt.clone()).build();
        let r = value_of(&t, Some(outer.clone()), Value::Struct(Struct::new(outer))).unwrap();
        let Value::Struct(out) = r.value else {
            panic!("not a struct")
        };
        assert_eq!(out.get("B.opt_int32"), Some(&Value::Null));
        assert_eq!(
            out.schema().field("B.opt_int32").unwrap().schema,
            Schema::optional_int32()
        );
        // Schemaless: a null nested value.
        let value = map(&[("B", map(&[("opt_int32", Value::Null)]))]);
        let r = value_of(&t, None, value).unwrap();
        assert_eq!(r.value, map(&[("B.opt_int32", Value::Null)]));
    }

    #[test]
    fn key() {
        let t = xform(Which::Key, &[]);
        let key = map(&[("A", map(&[("B", Value::Int32(12))]))]);
        let r = t
            .apply(source(None, key, None, Value::Null))
            .unwrap()
            .unwrap();
        assert_eq!(r.key_schema, None);
        assert_eq!(r.key, map(&[("A.B", Value::Int32(12))]));
    }

    #[test]
    fn arrays_are_left_alone() {
        let t = xform(Which::Value, &[]);
        let value = map(&[(
            "foo",
            Value::Array(vec![
                Value::from("bar"),
                map(&[("baz", map(&[("lfg", Value::from("lfg"))]))]),
            ]),
        )]);
        assert_eq!(value_of(&t, None, value.clone()).unwrap().value, value);

        let nested = SchemaBuilder::struct_()
            .field("lfg", Schema::string())
            .build();
        let inner = SchemaBuilder::struct_()
            .field("baz", nested.clone())
            .build();
        let schema = SchemaBuilder::struct_()
            .field(
                "foo",
                SchemaBuilder::array(inner.clone()).doc("durk").build(),
            )
            .build();
        let n = Struct::new(nested).put("lfg", Value::from("lfg")).unwrap();
        let i = Struct::new(inner).put("baz", Value::Struct(n)).unwrap();
        let v = Struct::new(schema.clone())
            .put("foo", Value::Array(vec![Value::Struct(i)]))
            .unwrap();
        let r = value_of(&t, Some(schema.clone()), Value::Struct(v.clone())).unwrap();
        assert_eq!(r.value_schema, Some(schema));
        assert_eq!(r.value, Value::Struct(v));
    }

    #[test]
    fn optional_and_default_values_nested() {
        let t = xform(Which::Value, &[]);
        let child = SchemaBuilder::struct_()
            .optional()
            .field("req_field", Schema::string())
            .field(
                "opt_field",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .default_value(Value::from("child_default"))
                    .build(),
            );
        let child_default = Struct::new(child.clone().build())
            .put("req_field", Value::from("req_default"))
            .unwrap();
        let schema = child.default_value(Value::Struct(child_default)).build();
        let r = value_of(&t, Some(schema.clone()), Value::Struct(Struct::new(schema))).unwrap();
        let s = r.value_schema.unwrap();
        assert_eq!(s.fields().len(), 2);
        assert_eq!(
            s.field("req_field").unwrap().schema,
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value(Value::from("req_default"))
                .build()
        );
        assert_eq!(
            s.field("opt_field").unwrap().schema,
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value(Value::from("child_default"))
                .build()
        );
    }

    #[test]
    fn tombstones_pass_through() {
        let t = xform(Which::Value, &[]);
        let r = value_of(&t, None, Value::Null).unwrap();
        assert_eq!((r.value_schema, r.value), (None, Value::Null));
        let schema = supported_types_schema();
        let r = value_of(&t, Some(schema.clone()), Value::Null).unwrap();
        assert_eq!((r.value_schema, r.value), (Some(schema), Value::Null));
    }

    #[test]
    fn null_fields() {
        let t = xform(Which::Value, &[]);
        let value = map(&[("firstLevel", Value::Null)]);
        assert_eq!(value_of(&t, None, value.clone()).unwrap().value, value);
        let schema = SchemaBuilder::struct_()
            .field("firstLevel", Schema::optional_int32())
            .build();
        let v = Value::Struct(Struct::new(schema.clone()));
        assert_eq!(value_of(&t, Some(schema), v.clone()).unwrap().value, v);
    }

    /// Checked against Kafka 4.3.1.
    #[test]
    fn nested_map_field_and_colliding_names() {
        let t = xform(Which::Value, &[]);
        let inner = SchemaBuilder::struct_()
            .field("x", Schema::int32())
            .field(
                "m",
                SchemaBuilder::map(Schema::string(), Schema::string())
                    .optional()
                    .build(),
            )
            .build();
        let outer = SchemaBuilder::struct_().field("in", inner.clone()).build();
        let v = Struct::new(outer.clone())
            .put(
                "in",
                Value::Struct(Struct::new(inner).put("x", Value::Int32(1)).unwrap()),
            )
            .unwrap();
        let e = value_of(&t, Some(outer), Value::Struct(v)).unwrap_err();
        assert_eq!(
            e.message,
            "Flatten transformation does not support MAP for record with schemas (for field in.m)."
        );
        let value = map(&[
            ("a", map(&[("b", Value::Int32(1))])),
            ("a.b", Value::Int32(2)),
        ]);
        assert_eq!(
            value_of(&t, None, value).unwrap().value,
            map(&[("a.b", Value::Int32(2))])
        );
    }

    #[test]
    fn unsupported_types() {
        let t = xform(Which::Value, &[]);
        let schema = SchemaBuilder::struct_()
            .field(
                "m",
                SchemaBuilder::map(Schema::string(), Schema::string()).build(),
            )
            .build();
        let e = value_of(&t, Some(schema.clone()), Value::Struct(Struct::new(schema))).unwrap_err();
        assert_eq!(
            e.message,
            "Flatten transformation does not support MAP for record with schemas (for field m)."
        );
        let e = value_of(&t, None, map(&[("d", Value::Timestamp(0))])).unwrap_err();
        assert_eq!(
            e.message,
            "Flatten transformation was passed a value of type class java.util.Date which is not supported by Connect's data API"
        );
    }
}
