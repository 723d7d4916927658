//! Unit and property tests of JsonConverter.

use std::collections::HashMap;

use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::api::data::{
    BigDecimal, Date, Decimal, LogicalType, SchemaBuilder, Struct, Time, Timestamp, Type, Value,
};

fn converter(settings: &[(&str, &str)]) -> JsonConverter {
    let mut c = JsonConverter::new();
    let conf: HashMap<String, String> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Converter::configure(&mut c, &conf, false).unwrap();
    c
}

fn write(c: &JsonConverter, schema: Option<&Schema>, value: &Value) -> String {
    let b = c.from_connect("t", schema, value).unwrap().unwrap();
    String::from_utf8(b.to_vec()).unwrap()
}

fn read(c: &JsonConverter, json: &str) -> SchemaAndValue {
    c.to_connect("t", Some(&Bytes::copy_from_slice(json.as_bytes())))
        .unwrap()
}

#[test]
fn primitive_envelopes() {
    let c = converter(&[]);
    assert_eq!(
        write(&c, Some(&Schema::int32()), &Value::Int32(42)),
        r#"{"schema":{"type":"int32","optional":false},"payload":42}"#
    );
    assert_eq!(
        write(&c, Some(&Schema::optional_string()), &Value::Null),
        r#"{"schema":{"type":"string","optional":true},"payload":null}"#
    );
    assert_eq!(
        write(&c, Some(&Schema::float64()), &Value::Float64(1e-4)),
        r#"{"schema":{"type":"double","optional":false},"payload":1.0E-4}"#
    );
    assert_eq!(
        write(
            &c,
            Some(&Schema::bytes()),
            &Value::Bytes(Bytes::from_static(b"hi"))
        ),
        r#"{"schema":{"type":"bytes","optional":false},"payload":"aGk="}"#
    );
    assert_eq!(
        write(&c, None, &Value::from("x")),
        r#"{"schema":null,"payload":"x"}"#
    );
    assert_eq!(c.from_connect("t", None, &Value::Null).unwrap(), None);
    let e = c
        .from_connect("topic-a", Some(&Schema::int32()), &Value::Null)
        .unwrap_err();
    assert!(
        e.message.contains("topic-a") && e.message.contains("required"),
        "{e}"
    );
    let e = c
        .from_connect("t", Some(&Schema::int32()), &Value::Int64(1))
        .unwrap_err();
    assert!(e.message.contains("Invalid type for INT32"), "{e}");
}

#[test]
fn struct_schema_field_order() {
    let c = converter(&[]);
    let schema = SchemaBuilder::struct_()
        .name("com.example.Person")
        .version(2)
        .doc("a person")
        .field("name", Schema::string())
        .field(
            "age",
            SchemaBuilder::new(Type::Int32)
                .optional()
                .default_value(Value::Int32(18))
                .build(),
        )
        .field("tags", SchemaBuilder::array(Schema::string()).build())
        .field(
            "scores",
            SchemaBuilder::map(Schema::string(), Schema::float32())
                .optional()
                .build(),
        )
        .build();
    let value = Struct::new(schema.clone())
        .put("name", Value::from("Ann \"A\""))
        .unwrap()
        .put("tags", Value::Array(vec![Value::from("x")]))
        .unwrap()
        .put(
            "scores",
            Value::Map(vec![(Value::from("m"), Value::Float32(0.5))]),
        )
        .unwrap();
    let json = write(&c, Some(&schema), &Value::Struct(value.clone()));
    assert_eq!(
        json,
        concat!(
            r#"{"schema":{"type":"struct","fields":["#,
            r#"{"type":"string","optional":false,"field":"name"},"#,
            r#"{"type":"int32","optional":true,"default":18,"field":"age"},"#,
            r#"{"type":"array","items":{"type":"string","optional":false},"optional":false,"field":"tags"},"#,
            r#"{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"float","optional":false},"optional":true,"field":"scores"}"#,
            r#"],"optional":false,"name":"com.example.Person","version":2,"doc":"a person"},"#,
            r#""payload":{"name":"Ann \"A\"","age":18,"tags":["x"],"scores":{"m":0.5}}}"#
        )
    );
    // Reading back: the null age became its default on the way out.
    let back = read(&c, &json);
    assert_eq!(back.schema.as_ref(), Some(&schema));
    let expected = value.put("age", Value::Int32(18)).unwrap();
    assert_eq!(back.value, Value::Struct(expected));
}

#[test]
fn replace_null_with_default_off() {
    let c = converter(&[("replace.null.with.default", "false")]);
    let schema = SchemaBuilder::new(Type::Int32)
        .optional()
        .default_value(Value::Int32(7))
        .build();
    let json = write(&c, Some(&schema), &Value::Null);
    assert_eq!(
        json,
        r#"{"schema":{"type":"int32","optional":true,"default":7},"payload":null}"#
    );
    assert_eq!(read(&c, &json).value, Value::Null);
    let on = converter(&[]);
    assert_eq!(read(&on, &json).value, Value::Int32(7));
}

#[test]
fn logical_types() {
    let c = converter(&[]);
    let d = Value::Decimal(BigDecimal::from_i64(156, 2));
    assert_eq!(
        write(&c, Some(&Decimal::schema(2)), &d),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}"#
    );
    let numeric = converter(&[("decimal.format", "numeric")]);
    let json = write(&numeric, Some(&Decimal::schema(2)), &d);
    assert!(json.ends_with(r#""payload":1.56}"#), "{json}");
    assert_eq!(read(&numeric, &json).value, d);
    assert_eq!(read(&c, &json).value, d);
    let e = c
        .from_connect("t", Some(&Decimal::schema(3)), &d)
        .unwrap_err();
    assert!(e.message.contains("mismatching scale"), "{e}");
    assert_eq!(
        write(&c, Some(&Date::schema()), &Value::Date(18000)),
        r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":18000}"#
    );
    let t = write(&c, Some(&Time::schema()), &Value::Time(1234));
    assert!(t.ends_with(r#""payload":1234}"#));
    assert_eq!(read(&c, &t).value, Value::Time(1234));
    let ts = write(&c, Some(&Timestamp::schema()), &Value::Timestamp(-5));
    assert_eq!(read(&c, &ts).value, Value::Timestamp(-5));
    assert!(c
        .from_connect("t", Some(&Date::schema()), &Value::Int32(1))
        .is_err());
}

#[test]
fn maps_by_key_type() {
    let c = converter(&[("schemas.enable", "false")]);
    let schema = SchemaBuilder::map(Schema::int32(), Schema::string()).build();
    let value = Value::Map(vec![
        (Value::Int32(1), Value::from("a")),
        (Value::Int32(2), Value::from("b")),
    ]);
    assert_eq!(write(&c, Some(&schema), &value), r#"[[1,"a"],[2,"b"]]"#);
    let schemaless = Value::Map(vec![(Value::from("k"), Value::Int64(1))]);
    assert_eq!(write(&c, None, &schemaless), r#"{"k":1}"#);
    let mixed = Value::Map(vec![(Value::Int64(1), Value::Int64(1))]);
    assert_eq!(write(&c, None, &mixed), r#"[[1,1]]"#);
    let dup = Value::Map(vec![
        (Value::from("k"), Value::Int64(1)),
        (Value::from("j"), Value::Int64(2)),
        (Value::from("k"), Value::Int64(3)),
    ]);
    assert_eq!(write(&c, None, &dup), r#"{"k":3,"j":2}"#);
}

#[test]
fn schemaless_reads_infer_types() {
    let c = converter(&[("schemas.enable", "false")]);
    let sv = read(
        &c,
        r#"{"a":1,"b":1.5,"c":[true,null],"d":"x","e":{"f":12345678901234}}"#,
    );
    assert_eq!(sv.schema, None);
    assert_eq!(
        sv.value,
        Value::Map(vec![
            (Value::from("a"), Value::Int64(1)),
            (Value::from("b"), Value::Float64(1.5)),
            (
                Value::from("c"),
                Value::Array(vec![Value::Boolean(true), Value::Null])
            ),
            (Value::from("d"), Value::from("x")),
            (
                Value::from("e"),
                Value::Map(vec![(Value::from("f"), Value::Int64(12_345_678_901_234))])
            ),
        ])
    );
    assert_eq!(read(&c, "").value, Value::Null);
    assert_eq!(read(&c, "-0.0").value, Value::Float64(0.0));
    assert_eq!(write(&c, None, &Value::Float64(f64::NAN)), "\"NaN\"");
}

#[test]
fn malformed_input_is_a_data_error_naming_the_topic() {
    let c = converter(&[]);
    for bad in [
        "{",
        "{\"schema\":null}",
        "[1]",
        "{\"schema\":null,\"payload\":1,\"x\":2}",
        "",
    ] {
        let e = c
            .to_connect("orders", Some(&Bytes::copy_from_slice(bad.as_bytes())))
            .unwrap_err();
        assert_eq!(e.kind, crate::api::error::ErrorKind::Data);
        assert!(e.message.contains("orders"), "{bad}: {e}");
    }
    let e = c
        .to_connect(
            "t",
            Some(&Bytes::from_static(
                br#"{"schema":{"type":"int32","optional":false},"payload":null}"#,
            )),
        )
        .unwrap_err();
    assert!(
        e.message
            .contains("Invalid null value for required INT32 field"),
        "{e}"
    );
    let e = c
        .to_connect(
            "t",
            Some(&Bytes::from_static(
                br#"{"schema":{"type":"nope"},"payload":1}"#,
            )),
        )
        .unwrap_err();
    assert!(e.message.contains("Unknown schema type: nope"), "{e}");
    assert_eq!(c.to_connect("t", None).unwrap().value, Value::Null);
}

#[test]
fn lenient_reads_like_java() {
    let c = converter(&[]);
    let v = |json: &str| read(&c, json).value;
    assert_eq!(
        v(r#"{"schema":{"type":"int32"},"payload":"abc"}"#),
        Value::Int32(0)
    );
    assert_eq!(
        v(r#"{"schema":{"type":"int8"},"payload":300}"#),
        Value::Int8(44)
    );
    assert_eq!(
        v(r#"{"schema":{"type":"string","optional":true},"payload":5}"#),
        Value::Null
    );
    assert_eq!(
        v(r#"{"schema":{"type":"array","items":{"type":"int32"}},"payload":7}"#),
        Value::Array(vec![])
    );
    let e = c
        .to_connect(
            "t",
            Some(&Bytes::from_static(
                br#"{"schema":{"type":"struct","fields":[{"type":"string","field":"s"}]},"payload":{"s":5}}"#,
            )),
        )
        .unwrap_err();
    assert!(e.message.contains("null used for required field"), "{e}");
}

#[test]
fn schema_content_applies_to_every_message() {
    let c = converter(&[("schema.content", r#"{"type":"int64","optional":false}"#)]);
    let sv = read(&c, "12");
    assert_eq!(sv.schema, Some(Schema::int64()));
    assert_eq!(sv.value, Value::Int64(12));
}

#[test]
fn schema_caches_share_schemas() {
    let c = converter(&[]);
    let json = r#"{"schema":{"type":"int32","optional":false,"name":"n"},"payload":1}"#;
    let a = read(&c, json).schema.unwrap();
    let b = read(&c, json).schema.unwrap();
    assert!(a.ptr_eq(&b));
    let s = SchemaBuilder::struct_().field("x", Schema::int8()).build();
    let v = Value::Struct(Struct::new(s.clone()).put("x", Value::Int8(1)).unwrap());
    assert_eq!(write(&c, Some(&s), &v), write(&c, Some(&s), &v));
    let tiny = converter(&[("schemas.cache.size", "1")]);
    for i in 0..5 {
        let s = SchemaBuilder::new(Type::Int8).name(format!("n{i}")).build();
        write(&tiny, Some(&s), &Value::Int8(1));
    }
    assert!(lock(&tiny.to_json_cache).len() <= 1);
}

#[test]
fn bad_settings_are_rejected() {
    for (k, v) in [
        ("schemas.enable", "yes"),
        ("decimal.format", "hex"),
        ("schemas.cache.size", "x"),
        ("schema.content", "{"),
    ] {
        let mut c = JsonConverter::new();
        let conf = HashMap::from([(k.to_string(), v.to_string())]);
        assert!(
            Converter::configure(&mut c, &conf, false).is_err(),
            "{k}={v}"
        );
    }
}

// --- property tests ----------------------------------------------------------------

fn leaf_schema() -> impl Strategy<Value = Schema> {
    let primitive = (
        prop::sample::select(vec![
            Type::Int8,
            Type::Int16,
            Type::Int32,
            Type::Int64,
            Type::Float32,
            Type::Float64,
            Type::Boolean,
            Type::String,
            Type::Bytes,
        ]),
        any::<bool>(),
    )
        .prop_map(|(t, optional)| SchemaBuilder::new(t).optional_if(optional).build());
    let logical = (0..4u8, -3..8i32, any::<bool>()).prop_map(|(kind, scale, optional)| {
        match kind {
            0 => Decimal::builder(scale),
            1 => Date::builder(),
            2 => Time::builder(),
            _ => Timestamp::builder(),
        }
        .optional_if(optional)
        .build()
    });
    prop_oneof![3 => primitive, 1 => logical]
}

fn with_default(schema: Schema) -> BoxedStrategy<Schema> {
    if !schema.type_().is_primitive() {
        return Just(schema).boxed();
    }
    let required = rebuild(&schema, false).build();
    (non_null_value(required), any::<bool>())
        .prop_map(move |(default, add)| {
            if add {
                rebuild(&schema, schema.is_optional())
                    .default_value(default)
                    .build()
            } else {
                schema.clone()
            }
        })
        .boxed()
}

/// A builder with the same attributes as `schema` (primitive or logical).
fn rebuild(schema: &Schema, optional: bool) -> SchemaBuilder {
    let mut b = SchemaBuilder::new(schema.type_()).optional_if(optional);
    if let Some(n) = schema.name() {
        b = b.name(n);
    }
    if let Some(v) = schema.version() {
        b = b.version(v);
    }
    b.parameters(schema.parameters())
}

fn any_schema() -> impl Strategy<Value = Schema> {
    leaf_schema()
        .prop_flat_map(with_default)
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                (inner.clone(), any::<bool>()).prop_map(|(items, optional)| {
                    SchemaBuilder::array(items).optional_if(optional).build()
                }),
                (leaf_schema(), inner.clone(), any::<bool>()).prop_map(|(k, v, optional)| {
                    SchemaBuilder::map(rebuild(&k, false).build(), v)
                        .optional_if(optional)
                        .build()
                }),
                (
                    prop::collection::vec(inner, 1..4),
                    any::<bool>(),
                    prop::option::of("[a-z]{1,8}"),
                    prop::option::of(any::<i32>()),
                    prop::option::of("\\PC{0,10}"),
                )
                    .prop_map(|(fields, optional, name, version, doc)| {
                        let mut b = SchemaBuilder::struct_().optional_if(optional);
                        for (i, f) in fields.into_iter().enumerate() {
                            b = b.field(format!("f{i}"), f);
                        }
                        if let Some(n) = name {
                            b = b.name(n);
                        }
                        if let Some(v) = version {
                            b = b.version(v);
                        }
                        if let Some(d) = doc {
                            b = b.doc(d).parameter("p", "v");
                        }
                        b.build()
                    }),
            ]
        })
}

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite, not -0.0", |f| {
        f.is_finite() && !(f == &0.0 && f.is_sign_negative())
    })
}

fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite, not -0.0", |f| {
        f.is_finite() && !(f == &0.0 && f.is_sign_negative())
    })
}

fn value_for(schema: Schema) -> BoxedStrategy<Value> {
    if schema.is_optional() && schema.default_value().is_none() {
        prop_oneof![1 => Just(Value::Null), 4 => non_null_value(schema)].boxed()
    } else {
        non_null_value(schema)
    }
}

fn non_null_value(schema: Schema) -> BoxedStrategy<Value> {
    if let Some(logical) = schema.logical_type() {
        return match logical {
            LogicalType::Decimal => {
                let scale = Decimal::scale(&schema).unwrap_or(0);
                any::<i128>()
                    .prop_map(move |u| Value::Decimal(BigDecimal::from_i128(u >> 20, scale)))
                    .boxed()
            }
            LogicalType::Date => any::<i32>().prop_map(Value::Date).boxed(),
            LogicalType::Time => (0..=86_400_000i32).prop_map(Value::Time).boxed(),
            LogicalType::Timestamp => any::<i64>().prop_map(Value::Timestamp).boxed(),
        };
    }
    match schema.type_() {
        Type::Int8 => any::<i8>().prop_map(Value::Int8).boxed(),
        Type::Int16 => any::<i16>().prop_map(Value::Int16).boxed(),
        Type::Int32 => any::<i32>().prop_map(Value::Int32).boxed(),
        Type::Int64 => any::<i64>().prop_map(Value::Int64).boxed(),
        Type::Float32 => finite_f32().prop_map(Value::Float32).boxed(),
        Type::Float64 => finite_f64().prop_map(Value::Float64).boxed(),
        Type::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
        Type::String => "\\PC{0,12}|[\\x00-\\x20\"\\\\/]{0,6}"
            .prop_map(Value::String)
            .boxed(),
        Type::Bytes => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(|b| Value::Bytes(b.into()))
            .boxed(),
        Type::Array => {
            let item = schema.value_schema().cloned().unwrap_or_else(Schema::int8);
            prop::collection::vec(value_for(item), 0..4)
                .prop_map(Value::Array)
                .boxed()
        }
        Type::Map => {
            let k = schema.key_schema().cloned().unwrap_or_else(Schema::string);
            let v = schema.value_schema().cloned().unwrap_or_else(Schema::int8);
            prop::collection::vec((non_null_value(k), value_for(v)), 0..4)
                .prop_map(|entries| {
                    let mut out = Vec::new();
                    for (k, v) in entries {
                        Value::map_put(&mut out, k, v);
                    }
                    Value::Map(out)
                })
                .boxed()
        }
        Type::Struct => {
            let fields: Vec<BoxedStrategy<Value>> = schema
                .fields()
                .iter()
                .map(|f| value_for(f.schema.clone()))
                .collect();
            fields
                .prop_map(move |values| {
                    let mut s = Struct::new(schema.clone());
                    for (i, v) in values.into_iter().enumerate() {
                        if s.set_index(i, v).is_err() {
                            return Value::Null;
                        }
                    }
                    Value::Struct(s)
                })
                .boxed()
        }
    }
}

fn schema_and_value() -> impl Strategy<Value = (Schema, Value)> {
    any_schema().prop_flat_map(|s| {
        let s2 = s.clone();
        non_null_value(s).prop_map(move |v| (s2.clone(), v))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn envelope_round_trips((schema, value) in schema_and_value(), numeric: bool) {
        prop_assume!(!value.is_null());
        let c = converter(&[("decimal.format", if numeric { "NUMERIC" } else { "BASE64" })]);
        let bytes = c.from_connect("t", Some(&schema), &value).unwrap();
        let back = c.to_connect("t", bytes.as_ref()).unwrap();
        prop_assert_eq!(back.schema.as_ref(), Some(&schema));
        prop_assert_eq!(&back.value, &value);
        // What was read writes again to the same value; once in Java's
        // HashMap order, maps keep their order.
        let again = c.from_connect("t", back.schema.as_ref(), &back.value).unwrap();
        let back2 = c.to_connect("t", again.as_ref()).unwrap();
        prop_assert_eq!(&back2.value, &value);
        let again2 = c.from_connect("t", back2.schema.as_ref(), &back2.value).unwrap();
        prop_assert_eq!(again2, again);
    }

    #[test]
    fn schemaless_round_trips(value in schemaless_value()) {
        let c = converter(&[("schemas.enable", "false")]);
        let bytes = c.from_connect("t", None, &value).unwrap();
        let back = c.to_connect("t", bytes.as_ref()).unwrap();
        prop_assert_eq!(back.value, value);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let c = converter(&[]);
        let _ = c.to_connect("t", Some(&Bytes::from(bytes.clone())));
        let c = converter(&[("schemas.enable", "false")]);
        let _ = c.to_connect("t", Some(&Bytes::from(bytes)));
    }
}

/// Values whose JSON reads back as themselves without a schema.
fn schemaless_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::Int64),
        finite_f64().prop_map(Value::Float64),
        any::<bool>().prop_map(Value::Boolean),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{0,3}", inner), 0..4).prop_map(|entries| {
                let mut out = Vec::new();
                for (k, v) in entries {
                    Value::map_put(&mut out, Value::String(k), v);
                }
                Value::Map(out)
            }),
        ]
    })
}
