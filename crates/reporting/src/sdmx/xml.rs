//! SDMX-ML 2.1 writing: escaping and the pieces structure messages share, and the two data
//! messages, the generic one (`GenericData`, the SDMX REST default) and the structure-specific
//! one (`StructureSpecificData`), chosen by the `Accept` header.

use super::{
    AGENCY, CONCEPT_SCHEME, DIMENSIONS, DSD, Flow, MEASURE, STATUS_ATTRIBUTE, Series, TIME, Text,
    UNIT_ATTRIBUTE, VERSION, message_id, prepared, time_id, unit_code, urn,
};

pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

pub fn xml_names(out: &mut String, tag: &str, t: &Text) {
    for (lang, s) in [("vi", &t.vi), ("en", &t.en)] {
        out.push_str(&format!(
            "<com:{tag} xml:lang=\"{lang}\">{}</com:{tag}>",
            xml_escape(s)
        ));
    }
}

pub fn xml_maintainable_open(out: &mut String, tag: &str, class: &str, id: &str, name: &Text) {
    out.push_str(&format!(
        "<str:{tag} id=\"{id}\" urn=\"{}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"true\" isExternalReference=\"false\">",
        xml_escape(&urn(class, id))
    ));
    xml_names(out, "Name", name);
}

pub fn xml_concept_ref(id: &str) -> String {
    format!(
        "<str:ConceptIdentity><Ref id=\"{id}\" maintainableParentID=\"{CONCEPT_SCHEME}\" maintainableParentVersion=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"conceptscheme\" class=\"Concept\"/></str:ConceptIdentity>"
    )
}

pub fn xml_enumeration(list: &str) -> String {
    format!(
        "<str:LocalRepresentation><str:Enumeration><Ref id=\"{list}\" version=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"codelist\" class=\"Codelist\"/></str:Enumeration></str:LocalRepresentation>"
    )
}

const MESSAGE_NS: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message";
const COMMON_NS: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common";
const GENERIC_NS: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic";
const SPECIFIC_NS: &str =
    "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific";

/// Which of the two SDMX-ML 2.1 data messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataMessage {
    Generic,
    StructureSpecific,
}

/// The structure reference's id in the header, and the structure-specific namespace.
fn structure_id() -> String {
    format!("{AGENCY}_{DSD}_{}", VERSION.replace('.', "_"))
}

fn specific_namespace(all_dimensions: bool) -> String {
    let level = if all_dimensions {
        "ObsLevelDim:AllDimensions".to_owned()
    } else {
        format!("ObsLevelDim:{TIME}")
    };
    format!(
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={AGENCY}:{DSD}({VERSION}):{level}"
    )
}

/// The key values of a series, in dimension order (without `TIME_PERIOD`).
fn key(flow: &Flow, s: &Series) -> [(&'static str, String); 3] {
    [
        (DIMENSIONS[0].0, "M".to_owned()),
        (DIMENSIONS[1].0, flow.areas[s.area].code.clone()),
        (DIMENSIONS[2].0, flow.indicators[s.indicator].code.clone()),
    ]
}

/// The message. `all_dimensions` puts every dimension on each observation (a flat data set),
/// otherwise observations are grouped into series by `TIME_PERIOD`; `with_units` attaches the
/// unit of measure and each observation's status, `OBS_STATUS` (the `full` detail).
pub fn write(
    kind: DataMessage,
    flow: &Flow,
    series: &[Series],
    all_dimensions: bool,
    with_units: bool,
) -> String {
    let mut out = String::with_capacity(512 + series.len() * 256);
    let (root, extra_ns) = match kind {
        DataMessage::Generic => ("GenericData", format!(" xmlns:generic=\"{GENERIC_NS}\"")),
        DataMessage::StructureSpecific => (
            "StructureSpecificData",
            format!(
                " xmlns:ss=\"{SPECIFIC_NS}\" xmlns:ns1=\"{}\"",
                xml_escape(&specific_namespace(all_dimensions))
            ),
        ),
    };
    let at_observation = if all_dimensions {
        "AllDimensions"
    } else {
        TIME
    };
    out.push_str(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<message:{root} xmlns:message=\"{MESSAGE_NS}\" \
         xmlns:common=\"{COMMON_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"{extra_ns}>"
    ));
    let namespace = match kind {
        DataMessage::Generic => String::new(),
        DataMessage::StructureSpecific => format!(
            " namespace=\"{}\"",
            xml_escape(&specific_namespace(all_dimensions))
        ),
    };
    out.push_str(&format!(
        "<message:Header><message:ID>{}</message:ID><message:Test>false</message:Test>\
         <message:Prepared>{}</message:Prepared><message:Sender id=\"{AGENCY}\"/>\
         <message:Structure structureID=\"{sid}\"{namespace} dimensionAtObservation=\"{at_observation}\">\
         <common:Structure><Ref agencyID=\"{AGENCY}\" id=\"{DSD}\" version=\"{VERSION}\"/></common:Structure>\
         </message:Structure></message:Header>",
        message_id(),
        prepared(),
        sid = structure_id(),
    ));
    match kind {
        DataMessage::Generic => out.push_str(&format!(
            "<message:DataSet structureRef=\"{}\">",
            structure_id()
        )),
        DataMessage::StructureSpecific => out.push_str(&format!(
            "<message:DataSet ss:structureRef=\"{}\" xsi:type=\"ns1:DataSetType\" \
             ss:dataScope=\"DataStructure\">",
            structure_id()
        )),
    }
    for s in series {
        let key = key(flow, s);
        let unit = with_units.then(|| unit_code(&flow.indicators[s.indicator].unit_vi));
        match (kind, all_dimensions) {
            (DataMessage::Generic, false) => generic_series(&mut out, &key, unit.as_deref(), s),
            (DataMessage::Generic, true) => generic_flat(&mut out, &key, unit.as_deref(), s),
            (DataMessage::StructureSpecific, false) => {
                specific_series(&mut out, &key, unit.as_deref(), s)
            }
            (DataMessage::StructureSpecific, true) => {
                specific_flat(&mut out, &key, unit.as_deref(), s)
            }
        }
    }
    out.push_str(&format!("</message:DataSet></message:{root}>"));
    out
}

fn generic_values(out: &mut String, tag: &str, values: &[(&str, String)]) {
    out.push_str(&format!("<generic:{tag}>"));
    for (id, v) in values {
        out.push_str(&format!(
            "<generic:Value id=\"{id}\" value=\"{}\"/>",
            xml_escape(v)
        ));
    }
    out.push_str(&format!("</generic:{tag}>"));
}

fn generic_unit(out: &mut String, unit: Option<&str>) {
    if let Some(u) = unit {
        generic_values(out, "Attributes", &[(UNIT_ATTRIBUTE, u.to_owned())]);
    }
}

fn generic_series(out: &mut String, key: &[(&str, String)], unit: Option<&str>, s: &Series) {
    out.push_str("<generic:Series>");
    generic_values(out, "SeriesKey", key);
    generic_unit(out, unit);
    for (p, v) in &s.observations {
        out.push_str(&format!(
            "<generic:Obs><generic:ObsDimension value=\"{}\"/><generic:ObsValue value=\"{v}\"/>",
            time_id(p)
        ));
        // The status with the attributes (`full` detail, as the unit).
        if unit.is_some() {
            generic_values(
                out,
                "Attributes",
                &[(STATUS_ATTRIBUTE, s.status(p).to_owned())],
            );
        }
        out.push_str("</generic:Obs>");
    }
    out.push_str("</generic:Series>");
}

fn generic_flat(out: &mut String, key: &[(&str, String)], unit: Option<&str>, s: &Series) {
    for (p, v) in &s.observations {
        out.push_str("<generic:Obs>");
        let mut obs_key = key.to_vec();
        obs_key.push((TIME, time_id(p)));
        generic_values(out, "ObsKey", &obs_key);
        out.push_str(&format!("<generic:ObsValue value=\"{v}\"/>"));
        if let Some(u) = unit {
            generic_values(
                out,
                "Attributes",
                &[
                    (UNIT_ATTRIBUTE, u.to_owned()),
                    (STATUS_ATTRIBUTE, s.status(p).to_owned()),
                ],
            );
        }
        out.push_str("</generic:Obs>");
    }
}

fn attributes(values: &[(&str, String)]) -> String {
    values
        .iter()
        .map(|(id, v)| format!(" {id}=\"{}\"", xml_escape(v)))
        .collect()
}

fn specific_series(out: &mut String, key: &[(&str, String)], unit: Option<&str>, s: &Series) {
    let mut attrs = attributes(key);
    if let Some(u) = unit {
        attrs.push_str(&attributes(&[(UNIT_ATTRIBUTE, u.to_owned())]));
    }
    out.push_str(&format!("<Series{attrs}>"));
    for (p, v) in &s.observations {
        let status = unit
            .map(|_| attributes(&[(STATUS_ATTRIBUTE, s.status(p).to_owned())]))
            .unwrap_or_default();
        out.push_str(&format!(
            "<Obs {TIME}=\"{}\" {MEASURE}=\"{v}\"{status}/>",
            time_id(p)
        ));
    }
    out.push_str("</Series>");
}

fn specific_flat(out: &mut String, key: &[(&str, String)], unit: Option<&str>, s: &Series) {
    let unit = unit
        .map(|u| attributes(&[(UNIT_ATTRIBUTE, u.to_owned())]))
        .unwrap_or_default();
    for (p, v) in &s.observations {
        let status = if unit.is_empty() {
            String::new()
        } else {
            attributes(&[(STATUS_ATTRIBUTE, s.status(p).to_owned())])
        };
        out.push_str(&format!(
            "<Obs{} {TIME}=\"{}\" {MEASURE}=\"{v}\"{unit}{status}/>",
            attributes(key),
            time_id(p)
        ));
    }
}
