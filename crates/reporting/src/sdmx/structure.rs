//! SDMX structure messages: the dataflow, its data structure definition, codelists and concept
//! scheme as SDMX-JSON structure message 1.0 or SDMX-ML 2.1, and which artefacts a structure
//! query (`/sdmx/{kind}/{agency}/{id}/{version}?references=`) selects.

use std::collections::{BTreeSet, HashMap};

use platform::i18n::Lang;
use serde_json::{Map, json};

use super::xml::{xml_concept_ref, xml_enumeration, xml_escape, xml_maintainable_open, xml_names};
use super::*;

/// Kinds of structural artefacts served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dataflow,
    DataStructure,
    Codelist,
    ConceptScheme,
}

impl Kind {
    pub fn path(self) -> &'static str {
        match self {
            Kind::Dataflow => "dataflow",
            Kind::DataStructure => "datastructure",
            Kind::Codelist => "codelist",
            Kind::ConceptScheme => "conceptscheme",
        }
    }
}

/// One artefact: the dataflow, the DSD, a codelist (by position) or the concept scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Artefact {
    Dataflow,
    Structure,
    Codelist(usize),
    Concepts,
}

impl Artefact {
    fn kind(self) -> Kind {
        match self {
            Artefact::Dataflow => Kind::Dataflow,
            Artefact::Structure => Kind::DataStructure,
            Artefact::Codelist(_) => Kind::Codelist,
            Artefact::Concepts => Kind::ConceptScheme,
        }
    }
    fn id(self, flow: &Flow) -> &str {
        match self {
            Artefact::Dataflow => FLOW,
            Artefact::Structure => DSD,
            Artefact::Codelist(i) => flow.codelists[i].id,
            Artefact::Concepts => CONCEPT_SCHEME,
        }
    }
    fn parents(self) -> Vec<Artefact> {
        match self {
            Artefact::Dataflow => vec![],
            Artefact::Structure => vec![Artefact::Dataflow],
            Artefact::Codelist(_) | Artefact::Concepts => vec![Artefact::Structure],
        }
    }
    fn children(self, flow: &Flow) -> Vec<Artefact> {
        match self {
            Artefact::Dataflow => vec![Artefact::Structure],
            Artefact::Structure => (0..flow.codelists.len())
                .map(Artefact::Codelist)
                .chain([Artefact::Concepts])
                .collect(),
            Artefact::Codelist(_) | Artefact::Concepts => vec![],
        }
    }
    fn descendants(self, flow: &Flow) -> Vec<Artefact> {
        let mut out = Vec::new();
        let mut stack = self.children(flow);
        while let Some(a) = stack.pop() {
            if !out.contains(&a) {
                stack.extend(a.children(flow));
                out.push(a);
            }
        }
        out
    }
    fn ancestors(self) -> Vec<Artefact> {
        let mut out = Vec::new();
        let mut stack = self.parents();
        while let Some(a) = stack.pop() {
            if !out.contains(&a) {
                stack.extend(a.parents());
                out.push(a);
            }
        }
        out
    }
}

const REFERENCES: &str = "none, parents, parentsandsiblings, children, descendants, all, dataflow, datastructure, codelist, conceptscheme";

/// The artefacts `references` adds to `a`.
fn referenced(a: Artefact, references: &str, flow: &Flow) -> Option<Vec<Artefact>> {
    let parents_and_siblings = || {
        let mut v = a.parents();
        for p in a.parents() {
            v.extend(p.children(flow));
        }
        v
    };
    Some(match references {
        "none" => vec![],
        "parents" => a.parents(),
        "parentsandsiblings" => parents_and_siblings(),
        "children" => a.children(flow),
        "descendants" => a.descendants(flow),
        "all" => {
            let mut v = parents_and_siblings();
            v.extend(a.descendants(flow));
            v
        }
        kind => {
            let kind = [
                Kind::Dataflow,
                Kind::DataStructure,
                Kind::Codelist,
                Kind::ConceptScheme,
            ]
            .into_iter()
            .find(|k| k.path() == kind)?;
            let mut related = a.ancestors();
            for p in a.ancestors() {
                related.extend(p.descendants(flow));
            }
            related.extend(a.descendants(flow));
            related.retain(|r| r.kind() == kind && *r != a);
            related
        }
    })
}

fn is_wildcard(s: Option<&String>) -> bool {
    s.is_none_or(|s| matches!(s.as_str(), "all" | "*"))
}

/// The artefacts a structure query selects: those of `kind` matching the path's agency, id and
/// version, with what `references` adds to each. [`Error::NoResults`] when none matches.
pub fn select(
    kind: Kind,
    path: &HashMap<String, String>,
    references: &str,
    flow: &Flow,
) -> Result<BTreeSet<Artefact>, Error> {
    let agency_ok =
        is_wildcard(path.get("agency")) || path.get("agency").is_some_and(|a| a == AGENCY);
    let version_ok = path
        .get("version")
        .is_none_or(|v| matches!(v.as_str(), "latest" | "all" | "*" | "+" | "~") || v == VERSION);
    let all: Vec<Artefact> = [Artefact::Dataflow, Artefact::Structure]
        .into_iter()
        .chain((0..flow.codelists.len()).map(Artefact::Codelist))
        .chain([Artefact::Concepts])
        .collect();
    let matched: Vec<Artefact> = all
        .iter()
        .copied()
        .filter(|a| a.kind() == kind)
        .filter(|a| is_wildcard(path.get("id")) || path.get("id").is_some_and(|i| i == a.id(flow)))
        .filter(|_| agency_ok && version_ok)
        .collect();
    if matched.is_empty() {
        return Err(Error::NoResults);
    }
    let mut chosen: BTreeSet<Artefact> = matched.iter().copied().collect();
    for a in &matched {
        let extra = referenced(*a, references, flow)
            .ok_or_else(|| Error::param("references", references, REFERENCES))?;
        chosen.extend(extra);
    }
    Ok(chosen)
}

/// The fields every maintainable artefact has in SDMX-JSON.
fn maintainable_json(
    id: &str,
    name: &Text,
    description: Option<&Text>,
    class: &str,
    kind: Kind,
    lang: Lang,
) -> Map<String, serde_json::Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("version".into(), json!(VERSION));
    m.insert("agencyID".into(), json!(AGENCY));
    m.insert("isExternalReference".into(), json!(false));
    m.insert("isFinal".into(), json!(true));
    m.insert("name".into(), json!(name.get(lang)));
    m.insert("names".into(), name.json());
    if let Some(d) = description {
        m.insert("description".into(), json!(d.get(lang)));
        m.insert("descriptions".into(), d.json());
    }
    m.insert("urn".into(), json!(urn(class, id)));
    m.insert(
        "links".into(),
        json!([{
            "href": format!("/sdmx/{}/{AGENCY}/{id}/{VERSION}", kind.path()),
            "rel": "self",
            "urn": urn(class, id),
            "type": kind.path(),
        }]),
    );
    m
}

fn codelist_json(list: &Codelist, lang: Lang) -> serde_json::Value {
    let mut m = maintainable_json(
        list.id,
        &list.name,
        None,
        "codelist.Codelist",
        Kind::Codelist,
        lang,
    );
    m.insert("isPartial".into(), json!(false));
    let codes: Vec<serde_json::Value> = list
        .codes
        .iter()
        .map(|c| {
            let mut o = json!({
                "id": c.id,
                "urn": format!("urn:sdmx:org.sdmx.infomodel.codelist.Code={AGENCY}:{}({VERSION}).{}", list.id, c.id),
                "name": c.name.get(lang),
                "names": c.name.json(),
            });
            if let Some(d) = &c.description {
                o["description"] = json!(d.get(lang));
                o["descriptions"] = d.json();
            }
            o
        })
        .collect();
    m.insert("codes".into(), json!(codes));
    serde_json::Value::Object(m)
}

fn dsd_json(lang: Lang) -> serde_json::Value {
    let mut m = maintainable_json(
        DSD,
        &dsd_name(),
        None,
        "datastructure.DataStructure",
        Kind::DataStructure,
        lang,
    );
    let component = |class: &str, id: &str| {
        format!("urn:sdmx:org.sdmx.infomodel.datastructure.{class}={AGENCY}:{DSD}({VERSION}).{id}")
    };
    let dimensions: Vec<serde_json::Value> = DIMENSIONS
        .iter()
        .enumerate()
        .map(|(i, (id, list))| {
            json!({
                "id": id,
                "urn": component("Dimension", id),
                "position": i + 1,
                "type": "Dimension",
                "conceptIdentity": concept_urn(id),
                "localRepresentation": {"enumeration": urn("codelist.Codelist", list)},
            })
        })
        .collect();
    m.insert(
        "dataStructureComponents".into(),
        json!({
            "attributeList": {
                "id": "AttributeDescriptor",
                "attributes": [{
                    "id": UNIT_ATTRIBUTE,
                    "urn": component("DataAttribute", UNIT_ATTRIBUTE),
                    "assignmentStatus": "Conditional",
                    "attributeRelationship": {"primaryMeasure": MEASURE},
                    "conceptIdentity": concept_urn(UNIT_ATTRIBUTE),
                    "localRepresentation": {"enumeration": urn("codelist.Codelist", UNIT_CODELIST)},
                }, {
                    "id": COMMENT_ATTRIBUTE,
                    "urn": component("DataAttribute", COMMENT_ATTRIBUTE),
                    "assignmentStatus": "Conditional",
                    "attributeRelationship": {"primaryMeasure": MEASURE},
                    "conceptIdentity": concept_urn(COMMENT_ATTRIBUTE),
                    "localRepresentation": {"textFormat": {"textType": "String"}},
                }, {
                    "id": STATUS_ATTRIBUTE,
                    "urn": component("DataAttribute", STATUS_ATTRIBUTE),
                    "assignmentStatus": "Conditional",
                    "attributeRelationship": {"primaryMeasure": MEASURE},
                    "conceptIdentity": concept_urn(STATUS_ATTRIBUTE),
                    "localRepresentation": {"enumeration": urn("codelist.Codelist", STATUS_CODELIST)},
                }],
            },
            "dimensionList": {
                "id": "DimensionDescriptor",
                "dimensions": dimensions,
                "timeDimensions": [{
                    "id": TIME,
                    "urn": component("TimeDimension", TIME),
                    "position": DIMENSIONS.len() + 1,
                    "type": "TimeDimension",
                    "conceptIdentity": concept_urn(TIME),
                    "localRepresentation": {"textFormat": {"textType": "ObservationalTimePeriod"}},
                }],
            },
            "measureList": {
                "id": "MeasureDescriptor",
                "primaryMeasure": {
                    "id": MEASURE,
                    "urn": component("PrimaryMeasure", MEASURE),
                    "conceptIdentity": concept_urn(MEASURE),
                    "localRepresentation": {"textFormat": {"textType": "Double"}},
                },
            },
        }),
    );
    serde_json::Value::Object(m)
}

/// SDMX-JSON structure message 1.0.
pub fn structure_json(flow: &Flow, chosen: &BTreeSet<Artefact>, lang: Lang) -> serde_json::Value {
    let mut dataflows = Vec::new();
    let mut structures = Vec::new();
    let mut codelists = Vec::new();
    let mut schemes = Vec::new();
    for a in chosen {
        match a {
            Artefact::Dataflow => {
                let mut m = maintainable_json(
                    FLOW,
                    &flow_name(),
                    Some(&flow_description()),
                    "datastructure.Dataflow",
                    Kind::Dataflow,
                    lang,
                );
                m.insert(
                    "structure".into(),
                    json!(urn("datastructure.DataStructure", DSD)),
                );
                dataflows.push(serde_json::Value::Object(m));
            }
            Artefact::Structure => structures.push(dsd_json(lang)),
            Artefact::Codelist(i) => codelists.push(codelist_json(&flow.codelists[*i], lang)),
            Artefact::Concepts => {
                let mut m = maintainable_json(
                    CONCEPT_SCHEME,
                    &concept_scheme_name(),
                    None,
                    "conceptscheme.ConceptScheme",
                    Kind::ConceptScheme,
                    lang,
                );
                m.insert("isPartial".into(), json!(false));
                m.insert(
                    "concepts".into(),
                    CONCEPTS
                        .iter()
                        .map(|(id, vi, en)| {
                            let t = Text::new(*vi, *en);
                            json!({"id": id, "urn": concept_urn(id), "name": t.get(lang), "names": t.json()})
                        })
                        .collect(),
                );
                schemes.push(serde_json::Value::Object(m));
            }
        }
    }
    let mut data = Map::new();
    for (key, items) in [
        ("dataflows", dataflows),
        ("dataStructures", structures),
        ("codelists", codelists),
        ("conceptSchemes", schemes),
    ] {
        if !items.is_empty() {
            data.insert(key.into(), json!(items));
        }
    }
    json!({
        "meta": {
            "id": message_id(),
            "test": false,
            "prepared": prepared(),
            "contentLanguages": [lang.code()],
            "sender": {"id": AGENCY, "name": sender_name().get(lang), "names": sender_name().json()},
        },
        "data": data,
    })
}

/// SDMX-ML 2.1 structure message.
pub fn structure_xml(flow: &Flow, chosen: &BTreeSet<Artefact>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:Structure \
         xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" \
         xmlns:str=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure\" \
         xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
    );
    out.push_str(&format!(
        "<mes:Header><mes:ID>{}</mes:ID><mes:Test>false</mes:Test><mes:Prepared>{}</mes:Prepared><mes:Sender id=\"{AGENCY}\">",
        message_id(),
        prepared()
    ));
    xml_names(&mut out, "Name", &sender_name());
    out.push_str("</mes:Sender></mes:Header><mes:Structures>");
    // The schema's order: dataflows, codelists, concepts, data structures.
    if chosen.contains(&Artefact::Dataflow) {
        out.push_str("<str:Dataflows>");
        xml_maintainable_open(
            &mut out,
            "Dataflow",
            "datastructure.Dataflow",
            FLOW,
            &flow_name(),
        );
        xml_names(&mut out, "Description", &flow_description());
        out.push_str(&format!(
            "<str:Structure><Ref id=\"{DSD}\" version=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"datastructure\" class=\"DataStructure\"/></str:Structure></str:Dataflow></str:Dataflows>"
        ));
    }
    let lists: Vec<&Codelist> = chosen
        .iter()
        .filter_map(|a| match a {
            Artefact::Codelist(i) => Some(&flow.codelists[*i]),
            _ => None,
        })
        .collect();
    if !lists.is_empty() {
        out.push_str("<str:Codelists>");
        for list in lists {
            xml_maintainable_open(
                &mut out,
                "Codelist",
                "codelist.Codelist",
                list.id,
                &list.name,
            );
            for c in &list.codes {
                out.push_str(&format!(
                    "<str:Code id=\"{}\" urn=\"urn:sdmx:org.sdmx.infomodel.codelist.Code={AGENCY}:{}({VERSION}).{}\">",
                    xml_escape(&c.id),
                    list.id,
                    xml_escape(&c.id)
                ));
                xml_names(&mut out, "Name", &c.name);
                if let Some(d) = &c.description {
                    xml_names(&mut out, "Description", d);
                }
                out.push_str("</str:Code>");
            }
            out.push_str("</str:Codelist>");
        }
        out.push_str("</str:Codelists>");
    }
    if chosen.contains(&Artefact::Concepts) {
        out.push_str("<str:Concepts>");
        xml_maintainable_open(
            &mut out,
            "ConceptScheme",
            "conceptscheme.ConceptScheme",
            CONCEPT_SCHEME,
            &concept_scheme_name(),
        );
        for (id, vi, en) in CONCEPTS {
            out.push_str(&format!(
                "<str:Concept id=\"{id}\" urn=\"{}\">",
                concept_urn(id)
            ));
            xml_names(&mut out, "Name", &Text::new(vi, en));
            out.push_str("</str:Concept>");
        }
        out.push_str("</str:ConceptScheme></str:Concepts>");
    }
    if chosen.contains(&Artefact::Structure) {
        out.push_str("<str:DataStructures>");
        xml_maintainable_open(
            &mut out,
            "DataStructure",
            "datastructure.DataStructure",
            DSD,
            &dsd_name(),
        );
        out.push_str("<str:DataStructureComponents><str:DimensionList id=\"DimensionDescriptor\">");
        for (i, (id, list)) in DIMENSIONS.iter().enumerate() {
            out.push_str(&format!(
                "<str:Dimension id=\"{id}\" position=\"{}\">{}{}</str:Dimension>",
                i + 1,
                xml_concept_ref(id),
                xml_enumeration(list)
            ));
        }
        out.push_str(&format!(
            "<str:TimeDimension id=\"{TIME}\" position=\"{}\">{}<str:LocalRepresentation><str:TextFormat textType=\"ObservationalTimePeriod\"/></str:LocalRepresentation></str:TimeDimension></str:DimensionList>",
            DIMENSIONS.len() + 1,
            xml_concept_ref(TIME)
        ));
        out.push_str(&format!(
            "<str:AttributeList id=\"AttributeDescriptor\"><str:Attribute id=\"{UNIT_ATTRIBUTE}\" assignmentStatus=\"Conditional\">{}{}<str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"{MEASURE}\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute><str:Attribute id=\"{COMMENT_ATTRIBUTE}\" assignmentStatus=\"Conditional\">{}<str:LocalRepresentation><str:TextFormat textType=\"String\"/></str:LocalRepresentation><str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"{MEASURE}\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute><str:Attribute id=\"{STATUS_ATTRIBUTE}\" assignmentStatus=\"Conditional\">{}{}<str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"{MEASURE}\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute></str:AttributeList>",
            xml_concept_ref(UNIT_ATTRIBUTE),
            xml_enumeration(UNIT_CODELIST),
            xml_concept_ref(COMMENT_ATTRIBUTE),
            xml_concept_ref(STATUS_ATTRIBUTE),
            xml_enumeration(STATUS_CODELIST)
        ));
        out.push_str(&format!(
            "<str:MeasureList id=\"MeasureDescriptor\"><str:PrimaryMeasure id=\"{MEASURE}\">{}<str:LocalRepresentation><str:TextFormat textType=\"Double\"/></str:LocalRepresentation></str:PrimaryMeasure></str:MeasureList>",
            xml_concept_ref(MEASURE)
        ));
        out.push_str("</str:DataStructureComponents></str:DataStructure></str:DataStructures>");
    }
    out.push_str("</mes:Structures></mes:Structure>\n");
    out
}
