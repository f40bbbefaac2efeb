//! Documents of every zipped format, built in memory for tests: the
//! crate's unit tests and the API tests (`tests/support/files.rs`) share
//! this file, so it depends on nothing but the `zip` crate.
#![allow(dead_code)]

use std::io::Write;

use zip::write::SimpleFileOptions;

/// A zip of the given parts, deflated.
pub fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in parts {
        writer.start_file(*name, options).expect("zip entry");
        writer.write_all(bytes).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// An .xlsx of named sheets, each a list of rows of inline strings
/// (numbers when they parse as numbers).
pub fn xlsx(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut workbook_sheets = String::new();
    let mut rels = String::new();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for (index, (name, rows)) in sheets.iter().enumerate() {
        let n = index + 1;
        workbook_sheets.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        let mut data = String::new();
        for (r, row) in rows.iter().enumerate() {
            data.push_str(&format!(r#"<row r="{}">"#, r + 1));
            for (c, value) in row.iter().enumerate() {
                let reference = format!("{}{}", column_letters(c as u32), r + 1);
                if value.parse::<f64>().is_ok() {
                    data.push_str(&format!(r#"<c r="{reference}"><v>{value}</v></c>"#));
                } else if !value.is_empty() {
                    data.push_str(&format!(
                        r#"<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>"#
                    ));
                }
            }
            data.push_str("</row>");
        }
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
            )
            .into_bytes(),
        ));
    }
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{workbook_sheets}</sheets></workbook>"#
    );
    let workbook_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
    );
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
    let root_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let mut all: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", root_rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
    ];
    for (name, bytes) in &parts {
        all.push((name, bytes));
    }
    zip_of(&all)
}

const P: &str = "http://schemas.openxmlformats.org/presentationml/2006/main";
const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A .pptx of slides, each a title, body paragraphs and optional notes.
pub fn pptx(slides: &[(&str, &[&str], Option<&str>)]) -> Vec<u8> {
    let mut ids = String::new();
    let mut rels = String::new();
    let mut parts: Vec<(String, String)> = Vec::new();
    for (index, (title, body, notes)) in slides.iter().enumerate() {
        let n = index + 1;
        // Slides listed out of file order: the list decides.
        let file = slides.len() - index;
        ids.push_str(&format!(r#"<p:sldId id="{}" r:id="rId{n}"/>"#, 255 + n));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide{file}.xml"/>"#
        ));
        let paragraphs: String = body
            .iter()
            .map(|text| format!("<a:p><a:r><a:t>{text}</a:t></a:r></a:p>"))
            .collect();
        parts.push((
            format!("ppt/slides/slide{file}.xml"),
            format!(
                r#"<p:sld xmlns:p="{P}" xmlns:a="{A}" xmlns:r="{R}"><p:cSld><p:spTree><p:sp><p:nvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>{title}</a:t></a:r></a:p></p:txBody></p:sp><p:sp><p:nvSpPr><p:nvPr><p:ph idx="1"/></p:nvPr></p:nvSpPr><p:txBody>{paragraphs}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
            ),
        ));
        if let Some(notes) = notes {
            parts.push((
                format!("ppt/slides/_rels/slide{file}.xml.rels"),
                format!(
                    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="../notesSlides/notesSlide{file}.xml"/></Relationships>"#
                ),
            ));
            parts.push((
                format!("ppt/notesSlides/notesSlide{file}.xml"),
                format!(
                    r#"<p:notes xmlns:p="{P}" xmlns:a="{A}"><p:cSld><p:spTree><p:sp><p:nvSpPr><p:nvPr><p:ph type="sldImg"/></p:nvPr></p:nvSpPr></p:sp><p:sp><p:nvSpPr><p:nvPr><p:ph type="body" idx="1"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>{notes}</a:t></a:r></a:p></p:txBody></p:sp><p:sp><p:nvSpPr><p:nvPr><p:ph type="sldNum"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>{n}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>"#
                ),
            ));
        }
    }
    parts.push((
        "ppt/presentation.xml".into(),
        format!(r#"<p:presentation xmlns:p="{P}" xmlns:r="{R}"><p:sldIdLst>{ids}</p:sldIdLst></p:presentation>"#),
    ));
    parts.push((
        "ppt/_rels/presentation.xml.rels".into(),
        format!(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#),
    ));
    parts.push((
        "[Content_Types].xml".into(),
        r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#.into(),
    ));
    let refs: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(name, xml)| (name.as_str(), xml.as_bytes()))
        .collect();
    zip_of(&refs)
}

/// An .odt whose body is `body_xml` (the children of `<office:text>`).
pub fn odt(body_xml: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{}" xmlns:text="{}" xmlns:table="{}"><office:body><office:text>{body_xml}</office:text></office:body></office:document-content>"#,
        "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
        "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    );
    zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
    ])
}

/// An .epub of chapters (title, paragraph), in spine order.
pub fn epub(chapters: &[(&str, &str)]) -> Vec<u8> {
    let mut manifest = String::new();
    let mut spine = String::new();
    let mut parts: Vec<(String, String)> = Vec::new();
    for (index, (title, text)) in chapters.iter().enumerate() {
        let n = index + 1;
        manifest.push_str(&format!(
            r#"<item id="c{n}" href="text/chapter%20{n}.xhtml" media-type="application/xhtml+xml"/>"#
        ));
        spine.push_str(&format!(r#"<itemref idref="c{n}"/>"#));
        parts.push((
            format!("OEBPS/text/chapter {n}.xhtml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"#
            ),
        ));
    }
    parts.push((
        "OEBPS/content.opf".into(),
        format!(
            r#"<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest>{manifest}</manifest><spine>{spine}</spine></package>"#
        ),
    ));
    parts.push((
        "META-INF/container.xml".into(),
        r#"<?xml version="1.0"?><container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#.into(),
    ));
    let mut refs: Vec<(&str, &[u8])> = vec![("mimetype", b"application/epub+zip")];
    refs.extend(parts.iter().map(|(n, x)| (n.as_str(), x.as_bytes())));
    zip_of(&refs)
}

/// A 0-based column index as a spreadsheet names it: 0 → A, 27 → AB.
fn column_letters(index: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(index) + 1;
    while n > 0 {
        letters.push(char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// An .xlsx of one sheet whose `<sheetData>` holds `rows_xml` as it is.
pub fn xlsx_with_sheet_xml(rows_xml: &str) -> Vec<u8> {
    zip_of(&[
        ("xl/workbook.xml", br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", format!(r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows_xml}</sheetData></worksheet>"#).as_bytes()),
    ])
}

/// A .pptx of one slide whose shape tree holds `shapes_xml` as it is.
pub fn pptx_with_slide_xml(shapes_xml: &str) -> Vec<u8> {
    let slide = format!(
        r#"<p:sld xmlns:p="{P}" xmlns:a="{A}"><p:cSld><p:spTree>{shapes_xml}</p:spTree></p:cSld></p:sld>"#
    );
    zip_of(&[
        ("ppt/presentation.xml", format!(r#"<p:presentation xmlns:p="{P}" xmlns:r="{R}"><p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst></p:presentation>"#).as_bytes()),
        ("ppt/_rels/presentation.xml.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/></Relationships>"#),
        ("ppt/slides/slide1.xml", slide.as_bytes()),
    ])
}

/// An OpenDocument spreadsheet (.ods) of named sheets, each a list of rows
/// (numbers stored as numbers).
pub fn ods(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut tables = String::new();
    for (name, rows) in sheets {
        tables.push_str(&format!(r#"<table:table table:name="{name}">"#));
        for row in *rows {
            tables.push_str("<table:table-row>");
            for value in *row {
                if value.parse::<f64>().is_ok() {
                    tables.push_str(&format!(
                        r#"<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>"#
                    ));
                } else {
                    tables.push_str(&format!(
                        r#"<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>"#
                    ));
                }
            }
            tables.push_str("</table:table-row>");
        }
        tables.push_str("</table:table>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
    );
    zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", br#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#),
        ("content.xml", content.as_bytes()),
    ])
}
