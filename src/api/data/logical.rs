//! Connect's logical types (Java's `org.apache.kafka.connect.data.Decimal`,
//! `Date`, `Time` and `Timestamp`): a named schema over a primitive type.
//!
//! Values: where Java uses `BigDecimal` and `java.util.Date`, kconnect has
//! its own [`Value`] variants, holding what the schema stores:
//!
//! | logical type | schema | value |
//! |---|---|---|
//! | Decimal | bytes, parameter `scale` | [`Value::Decimal`]([`BigDecimal`]) |
//! | Date | int32 | [`Value::Date`] (days since 1970-01-01) |
//! | Time | int32 | [`Value::Time`] (milliseconds since midnight) |
//! | Timestamp | int64 | [`Value::Timestamp`] (milliseconds since the epoch) |
//!
//! The `from_logical` / `to_logical` functions convert between the logical
//! value and the stored primitive, with Java's checks.

use super::big_decimal::BigDecimal;
use super::schema::{Schema, SchemaBuilder, Type};
use super::value::Value;
use crate::api::error::{ConnectError, ConnectResult};

pub const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

/// The `Decimal` logical type: bytes holding the unscaled two's-complement
/// big-endian integer, with the scale as the `scale` parameter.
pub struct Decimal;

impl Decimal {
    pub const LOGICAL_NAME: &'static str = "org.apache.kafka.connect.data.Decimal";
    pub const SCALE_FIELD: &'static str = "scale";

    pub fn builder(scale: i32) -> SchemaBuilder {
        SchemaBuilder::new(Type::Bytes)
            .name(Decimal::LOGICAL_NAME)
            .parameter(Decimal::SCALE_FIELD, scale.to_string())
            .version(1)
    }

    pub fn schema(scale: i32) -> Schema {
        Decimal::builder(scale).build()
    }

    /// The scale of a Decimal schema (its `scale` parameter).
    pub fn scale(schema: &Schema) -> ConnectResult<i32> {
        let scale = schema
            .parameters()
            .get(Decimal::SCALE_FIELD)
            .ok_or_else(|| {
                ConnectError::data("Invalid Decimal schema: scale parameter not found.")
            })?;
        scale.parse::<i32>().map_err(|e| {
            ConnectError::data(format!(
                "Invalid scale parameter found in Decimal schema: {e}"
            ))
        })
    }

    /// The bytes stored for `value`; its scale must be the schema's.
    pub fn from_logical<'a>(schema: &Schema, value: &'a BigDecimal) -> ConnectResult<&'a [u8]> {
        let scale = Decimal::scale(schema)?;
        if value.scale() != scale {
            return Err(ConnectError::data(format!(
                "Decimal value has mismatching scale for given Decimal schema. \
                 Schema has scale {scale}, value has scale {}.",
                value.scale()
            )));
        }
        Ok(value.unscaled_bytes())
    }

    pub fn to_logical(schema: &Schema, bytes: &[u8]) -> ConnectResult<BigDecimal> {
        BigDecimal::new(bytes, Decimal::scale(schema)?)
    }
}

/// The `Date` logical type: int32 days since the Unix epoch.
pub struct Date;

impl Date {
    pub const LOGICAL_NAME: &'static str = "org.apache.kafka.connect.data.Date";

    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::new(Type::Int32)
            .name(Date::LOGICAL_NAME)
            .version(1)
    }

    pub fn schema() -> Schema {
        Date::builder().build()
    }
}

/// The `Time` logical type: int32 milliseconds since midnight,
/// 0..=86,400,000.
pub struct Time;

impl Time {
    pub const LOGICAL_NAME: &'static str = "org.apache.kafka.connect.data.Time";

    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::new(Type::Int32)
            .name(Time::LOGICAL_NAME)
            .version(1)
    }

    pub fn schema() -> Schema {
        Time::builder().build()
    }

    /// Java's `Time.toLogical` range check.
    pub fn check(millis: i64) -> ConnectResult<i32> {
        if !(0..=MILLIS_PER_DAY).contains(&millis) {
            return Err(ConnectError::data(
                "Time values must use number of milliseconds greater than 0 and less than 86400000",
            ));
        }
        Ok(millis as i32)
    }
}

/// The `Timestamp` logical type: int64 milliseconds since the Unix epoch.
pub struct Timestamp;

impl Timestamp {
    pub const LOGICAL_NAME: &'static str = "org.apache.kafka.connect.data.Timestamp";

    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::new(Type::Int64)
            .name(Timestamp::LOGICAL_NAME)
            .version(1)
    }

    pub fn schema() -> Schema {
        Timestamp::builder().build()
    }
}

/// Which logical type a schema name denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicalType {
    Decimal,
    Date,
    Time,
    Timestamp,
}

impl LogicalType {
    /// The logical type of a schema, by its name (as Java looks it up).
    pub fn of(schema: &Schema) -> Option<LogicalType> {
        LogicalType::from_name(schema.name()?)
    }

    pub fn from_name(name: &str) -> Option<LogicalType> {
        match name {
            Decimal::LOGICAL_NAME => Some(LogicalType::Decimal),
            Date::LOGICAL_NAME => Some(LogicalType::Date),
            Time::LOGICAL_NAME => Some(LogicalType::Time),
            Timestamp::LOGICAL_NAME => Some(LogicalType::Timestamp),
            _ => None,
        }
    }

    /// Whether `value` is the variant this logical type uses.
    pub fn accepts(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (LogicalType::Decimal, Value::Decimal(_))
                | (LogicalType::Date, Value::Date(_))
                | (LogicalType::Time, Value::Time(_))
                | (LogicalType::Timestamp, Value::Timestamp(_))
        )
    }
}

// --- calendar arithmetic (proleptic Gregorian, UTC) ----------------------------

/// Days since 1970-01-01 of a civil date (month 1..=12).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month 1..=12, day 1..=31) of a day count since
/// 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// Milliseconds since the epoch of a logical temporal value (what Java's
/// `java.util.Date.getTime()` would return for it).
pub fn epoch_millis(value: &Value) -> Option<i64> {
    match value {
        Value::Date(days) => Some(*days as i64 * MILLIS_PER_DAY),
        Value::Time(ms) => Some(*ms as i64),
        Value::Timestamp(ms) => Some(*ms),
        _ => None,
    }
}

/// Java's `java.util.Date.toString()` in UTC: `Thu Jan 01 00:00:00 UTC 1970`.
pub fn java_date_to_string(millis: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let ms = millis.rem_euclid(MILLIS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let secs = ms / 1000;
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        y
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_match_java() {
        let d = Decimal::schema(2);
        assert_eq!(d.type_(), Type::Bytes);
        assert_eq!(d.name(), Some(Decimal::LOGICAL_NAME));
        assert_eq!(d.version(), Some(1));
        assert_eq!(d.parameters().get("scale").map(String::as_str), Some("2"));
        assert_eq!(Decimal::scale(&d), Ok(2));
        assert_eq!(Date::schema().type_(), Type::Int32);
        assert_eq!(Time::schema().type_(), Type::Int32);
        assert_eq!(Timestamp::schema().type_(), Type::Int64);
        assert_eq!(
            LogicalType::of(&Timestamp::schema()),
            Some(LogicalType::Timestamp)
        );
        assert_eq!(LogicalType::of(&Schema::int64()), None);
    }

    #[test]
    fn decimal_bytes() {
        let schema = Decimal::schema(2);
        let v = BigDecimal::from_i64(156, 2);
        assert_eq!(Decimal::from_logical(&schema, &v).unwrap(), &[0x00, 0x9c]);
        assert_eq!(Decimal::to_logical(&schema, &[0x00, 0x9c]).unwrap(), v);
        let wrong = BigDecimal::from_i64(156, 3);
        let err = Decimal::from_logical(&schema, &wrong).unwrap_err();
        assert!(err.message.contains("mismatching scale"), "{err}");
        let no_scale = SchemaBuilder::new(Type::Bytes)
            .name(Decimal::LOGICAL_NAME)
            .build();
        assert!(Decimal::scale(&no_scale).is_err());
    }

    #[test]
    fn calendar() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for d in [-800_000i64, -1, 0, 59, 60, 365, 10_000, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(java_date_to_string(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(
            java_date_to_string(1_700_000_000_123),
            "Tue Nov 14 22:13:20 UTC 2023"
        );
        assert!(Time::check(-1).is_err());
        assert_eq!(Time::check(MILLIS_PER_DAY), Ok(86_400_000));
    }
}
