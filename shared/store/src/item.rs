//! Attribute helpers. Numbers go to DynamoDB as the decimal's text and come back through
//! `Decimal::from_str`: no float ever sees an amount.

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::chrono::{DateTime, Utc};
use domain::Decimal;

use crate::keys::{Key, PK, SK};
use crate::StoreError;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn time(at: DateTime<Utc>) -> AttributeValue {
    s(at.to_rfc3339_opts(domain::chrono::SecondsFormat::Millis, true))
}

/// An instant as index sort keys hold it: UTC to the second, so text order is time order.
pub fn sortable_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(domain::chrono::SecondsFormat::Secs, true)
}

/// A new item with its key and entity type.
pub fn with_key(key: &Key, entity: &str) -> Item {
    HashMap::from([
        (PK.to_owned(), s(&key.pk)),
        (SK.to_owned(), s(&key.sk)),
        ("entity_type".to_owned(), s(entity)),
    ])
}

pub fn key_of(item: &Item) -> Option<Key> {
    Some(Key {
        pk: item.get(PK)?.as_s().ok()?.clone(),
        sk: item.get(SK)?.as_s().ok()?.clone(),
    })
}

pub fn key_attrs(key: &Key) -> Item {
    HashMap::from([(PK.to_owned(), s(&key.pk)), (SK.to_owned(), s(&key.sk))])
}

fn corrupt(attr: &str, why: &str) -> StoreError {
    StoreError::Corrupt(format!("attribute {attr}: {why}"))
}

pub fn get_s<'a>(item: &'a Item, attr: &str) -> Result<&'a str, StoreError> {
    item.get(attr)
        .ok_or_else(|| corrupt(attr, "missing"))?
        .as_s()
        .map(String::as_str)
        .map_err(|_| corrupt(attr, "not a string"))
}

pub fn opt_s<'a>(item: &'a Item, attr: &str) -> Option<&'a str> {
    item.get(attr)?.as_s().ok().map(String::as_str)
}

pub fn get_decimal(item: &Item, attr: &str) -> Result<Decimal, StoreError> {
    let text = item
        .get(attr)
        .ok_or_else(|| corrupt(attr, "missing"))?
        .as_n()
        .map_err(|_| corrupt(attr, "not a number"))?;
    parse_decimal(attr, text)
}

pub fn parse_decimal(attr: &str, text: &str) -> Result<Decimal, StoreError> {
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| corrupt(attr, "not a decimal"))
}

pub fn get_i64(item: &Item, attr: &str) -> Result<i64, StoreError> {
    item.get(attr)
        .ok_or_else(|| corrupt(attr, "missing"))?
        .as_n()
        .map_err(|_| corrupt(attr, "not a number"))?
        .parse()
        .map_err(|_| corrupt(attr, "not an integer"))
}

pub fn get_u64_or_zero(item: &Item, attr: &str) -> Result<u64, StoreError> {
    match item.get(attr) {
        None => Ok(0),
        Some(v) => v
            .as_n()
            .map_err(|_| corrupt(attr, "not a number"))?
            .parse()
            .map_err(|_| corrupt(attr, "not an unsigned integer")),
    }
}

pub fn get_time(item: &Item, attr: &str) -> Result<DateTime<Utc>, StoreError> {
    parse_time(attr, get_s(item, attr)?)
}

pub fn parse_time(attr: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt(attr, "not an RFC 3339 time"))
}

pub fn get_map<'a>(
    item: &'a Item,
    attr: &str,
) -> Result<Option<&'a HashMap<String, AttributeValue>>, StoreError> {
    match item.get(attr) {
        None => Ok(None),
        Some(v) => v.as_m().map(Some).map_err(|_| corrupt(attr, "not a map")),
    }
}
