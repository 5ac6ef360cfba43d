//! The JS layer's event batch, parsed in one pass without building a JSON tree: strings are
//! borrowed from the batch's bytes where they have no escapes, and each event reaches the
//! caller as soon as it is read.
//!
//! ```text
//!  [ [ [ "name", { "key": value, ... } | null, timeMs ], ... ], count ]
//!  value: string | boolean | number | array of strings | of booleans | of numbers
//! ```
//!
//! Numbers follow `js_value::attribute_value`: a JSON integer is an integer, anything else a
//! double; an array of integers is an integer array, of mixed numbers a double array. A value of
//! another shape is refused for that event only, with a message naming the attribute.

use std::borrow::Cow;
use std::fmt;

use otel_sessions_telemetry::EventValue;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One event of a batch.
#[derive(Debug, PartialEq)]
pub struct ParsedEvent<'a> {
    pub name: Cow<'a, str>,
    pub attributes: Vec<(Cow<'a, str>, EventValue<'a>)>,
    /// Epoch milliseconds, when the JS layer recorded it (`None`: not a usable time).
    pub time_ms: Option<f64>,
}

/// Parses `raw` (`[events, count]`) and calls `each` with every event in order: the event, or
/// why it could not be read. Returns how many events were read, or why the batch as a whole
/// could not be read (then events before the damage were already passed on).
pub fn for_each_event<'a>(
    raw: &'a [u8],
    each: &mut dyn FnMut(Result<ParsedEvent<'a>, String>),
) -> Result<usize, String> {
    let mut de = serde_json::Deserializer::from_slice(raw);
    let n = de
        .deserialize_seq(Outer { each })
        .map_err(|e| format!("the batch is not readable: {e}"))?;
    de.end()
        .map_err(|e| format!("the batch is not readable: {e}"))?;
    Ok(n)
}

struct Outer<'f, 'a> {
    each: &'f mut dyn FnMut(Result<ParsedEvent<'a>, String>),
}

impl<'de, 'f> Visitor<'de> for Outer<'f, 'de> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[events, count]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let n = seq
            .next_element_seed(Events { each: self.each })?
            .ok_or_else(|| de::Error::custom("no events"))?;
        while seq.next_element::<IgnoredAny>()?.is_some() {} // the count, read by the caller
        Ok(n)
    }
}

struct Events<'f, 'a> {
    each: &'f mut dyn FnMut(Result<ParsedEvent<'a>, String>),
}

impl<'de, 'f> DeserializeSeed<'de> for Events<'f, 'de> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 'f> Visitor<'de> for Events<'f, 'de> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(event) = seq.next_element::<EventOrError<'de>>()? {
            (self.each)(event.0);
            n += 1;
        }
        Ok(n)
    }
}

/// An event, or the reason this element is not one (the batch goes on).
struct EventOrError<'a>(Result<ParsedEvent<'a>, String>);

impl<'de> de::Deserialize<'de> for EventOrError<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = EventOrError<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[name, attributes, timeMs]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let name = seq.next_element::<Val<'de>>()?;
        let attributes = seq.next_element::<Attributes<'de>>()?;
        let time = seq.next_element::<Val<'de>>()?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        let time_ms = match time.and_then(|t| t.0) {
            Some(EventValue::Int(i)) => Some(i as f64),
            Some(EventValue::Double(d)) => Some(d),
            _ => None,
        };
        Ok(EventOrError(match (name.and_then(|n| n.0), attributes) {
            (Some(EventValue::Str(name)), Some(attributes)) => {
                attributes.0.map(|attributes| ParsedEvent {
                    name,
                    attributes,
                    time_ms: time_ms.filter(|t| t.is_finite() && *t >= 0.0),
                })
            }
            _ => Err("Sessions.recordEvent: internal: malformed queued event".to_owned()),
        }))
    }
    // Anything but an array is a malformed event, not a malformed batch.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(malformed())
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(malformed())
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(malformed())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(malformed())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(malformed())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(malformed())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(malformed())
    }
}

fn malformed<'a>() -> EventOrError<'a> {
    EventOrError(Err(
        "Sessions.recordEvent: internal: malformed queued event".to_owned(),
    ))
}

/// A string (a key), borrowed when the JSON has no escapes in it.
struct Text<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The attributes object, or the message naming its first unusable attribute.
struct Attributes<'a>(Result<Vec<(Cow<'a, str>, EventValue<'a>)>, String>);

impl<'de> de::Deserialize<'de> for Attributes<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Attributes<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an attributes object or null")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Attributes(Ok(Vec::new())))
            }
            // Any other shape: this event is refused, the batch goes on.
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(not_an_object())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(not_an_object())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(not_an_object())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(not_an_object())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(not_an_object())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(not_an_object())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                let mut error = None;
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    let value = map.next_value::<Val<'de>>()?;
                    match value.0 {
                        Some(v) => out.push((key.0, v)),
                        None => {
                            error.get_or_insert_with(|| {
                                format!(
                                    "Sessions.recordEvent: attribute '{}' must be a string, a boolean, a finite number or an array of one of those",
                                    key.0.chars().take(64).collect::<String>()
                                )
                            });
                        }
                    }
                }
                Ok(Attributes(match error {
                    Some(e) => Err(e),
                    None => Ok(out),
                }))
            }
        }
        d.deserialize_any(V)
    }
}

fn not_an_object<'a>() -> Attributes<'a> {
    Attributes(Err(
        "Sessions.recordEvent: internal: the attributes of a queued event are not an object"
            .to_owned(),
    ))
}

/// An attribute value, or `None` for a shape no attribute can have.
struct Val<'a>(Option<EventValue<'a>>);

impl<'de> de::Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute value")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Val(Some(EventValue::Str(Cow::Borrowed(s)))))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Val(Some(EventValue::Str(Cow::Owned(s.to_owned())))))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Val(Some(EventValue::Str(Cow::Owned(s)))))
    }
    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Val(Some(EventValue::Bool(b))))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Self::Value, E> {
        Ok(Val(Some(EventValue::Int(i))))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Self::Value, E> {
        Ok(Val(Some(match i64::try_from(u) {
            Ok(i) => EventValue::Int(i),
            Err(_) => EventValue::Double(u as f64),
        })))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Self::Value, E> {
        Ok(Val(Some(EventValue::Double(f))))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Val(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Val(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items: Vec<EventValue<'de>> = Vec::new();
        let mut ok = true;
        while let Some(v) = seq.next_element::<Val<'de>>()? {
            match v.0 {
                Some(
                    v @ (EventValue::Str(_)
                    | EventValue::Bool(_)
                    | EventValue::Int(_)
                    | EventValue::Double(_)),
                ) => items.push(v),
                _ => ok = false,
            }
        }
        Ok(Val(if ok { array(items) } else { None }))
    }
}

/// An array of one kind; integers and doubles together make doubles; an empty array is an
/// empty string array (as `js_value::attribute_value` reads it).
fn array(items: Vec<EventValue<'_>>) -> Option<EventValue<'_>> {
    if items.iter().all(|v| matches!(v, EventValue::Str(_))) {
        return Some(EventValue::StrArray(
            items
                .into_iter()
                .filter_map(|v| match v {
                    EventValue::Str(s) => Some(s),
                    _ => None,
                })
                .collect(),
        ));
    }
    if items.iter().all(|v| matches!(v, EventValue::Bool(_))) {
        return Some(EventValue::BoolArray(
            items
                .iter()
                .filter_map(|v| match v {
                    EventValue::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect(),
        ));
    }
    if items.iter().all(|v| matches!(v, EventValue::Int(_))) {
        return Some(EventValue::IntArray(
            items
                .iter()
                .filter_map(|v| match v {
                    EventValue::Int(i) => Some(*i),
                    _ => None,
                })
                .collect(),
        ));
    }
    if items
        .iter()
        .all(|v| matches!(v, EventValue::Int(_) | EventValue::Double(_)))
    {
        return Some(EventValue::DoubleArray(
            items
                .iter()
                .filter_map(|v| match v {
                    EventValue::Int(i) => Some(*i as f64),
                    EventValue::Double(d) => Some(*d),
                    _ => None,
                })
                .collect(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::js_value::attribute_value;
    use otel_sessions_engine::AttributeValue;

    fn parse(raw: &str) -> (Result<usize, String>, Vec<Result<ParsedEvent<'_>, String>>) {
        let mut out = Vec::new();
        let n = for_each_event(raw.as_bytes(), &mut |e| out.push(e));
        (n, out)
    }

    /// The same value read by the tree parser the binding uses for every other call.
    fn same_as_js_value(v: &EventValue<'_>, json: &serde_json::Value) {
        let reference = attribute_value("recordEvent", "k", json).ok();
        let ours = match v {
            EventValue::Str(s) => AttributeValue::String(s.to_string()),
            EventValue::Bool(b) => AttributeValue::Bool(*b),
            EventValue::Int(i) => AttributeValue::Int(*i),
            EventValue::Double(d) => AttributeValue::Double(*d),
            EventValue::StrArray(a) => {
                AttributeValue::StringArray(a.iter().map(|s| s.to_string()).collect())
            }
            EventValue::BoolArray(a) => AttributeValue::BoolArray(a.clone()),
            EventValue::IntArray(a) => AttributeValue::IntArray(a.clone()),
            EventValue::DoubleArray(a) => AttributeValue::DoubleArray(a.clone()),
        };
        assert_eq!(Some(ours), reference, "{json}");
    }

    #[test]
    fn events_stream_out_with_borrowed_strings_and_js_value_semantics() {
        let raw = r#"[[["tap",{"s":"home","e":"a\"b","i":3,"f":0.5,"b":true,"xs":["a",""],"is":[1,2],"mix":[1,2.5],"bs":[false],"none":[]},1800000000000.5],["bare",null,1]],2]"#;
        let (n, events) = parse(raw);
        assert_eq!(n, Ok(2));
        let first = events[0].as_ref().unwrap();
        assert_eq!(first.name, "tap");
        assert!(
            matches!(first.name, Cow::Borrowed(_)),
            "no copy of an unescaped string"
        );
        assert_eq!(first.time_ms, Some(1_800_000_000_000.5));
        let json: serde_json::Value = serde_json::from_str(raw).unwrap();
        let attrs = json[0][0][1].as_object().unwrap();
        assert_eq!(first.attributes.len(), attrs.len());
        for (k, v) in &first.attributes {
            same_as_js_value(v, &attrs[k.as_ref()]);
        }
        assert!(matches!(&first.attributes[1].1, EventValue::Str(Cow::Owned(s)) if s == "a\"b"));
        let second = events[1].as_ref().unwrap();
        assert_eq!((second.name.as_ref(), second.attributes.len()), ("bare", 0));
    }

    #[test]
    fn a_bad_event_is_refused_alone_and_a_bad_batch_says_so() {
        let (n, events) = parse(
            r#"[[["ok",null,1],["nested",{"o":{"x":1}},1],7,["nan",{"v":[1,"a"]},1],["ok2",null,2]],5]"#,
        );
        assert_eq!(n, Ok(5));
        let verdicts: Vec<bool> = events.iter().map(Result::is_ok).collect();
        assert_eq!(verdicts, [true, false, false, false, true]);
        assert!(events[1].as_ref().unwrap_err().contains("attribute 'o'"));
        for bad in ["", "[", "not json", "[[[\"a\",null,1]],1] trailing", "{}"] {
            assert!(parse(bad).0.is_err(), "{bad}");
        }
    }
}
