"""The .docx format (python-docx) in the layout of Decree 30/2020/NĐ-CP, Appendix I: the
form a commune office files and signs."""
from __future__ import annotations

import io
import re

from radio.reports.document import APPENDIX, MOTTO, MOTTO_TITLE, Outline, Table


# Decree 30/2020/NĐ-CP, Appendix I: A4; margins top and bottom 20–25 mm, left 30–35 mm,
# right 15–20 mm; Times New Roman, body text 13–14 pt.
PAGE_CM = (21.0, 29.7)
MARGINS_CM = {"top": 2.0, "bottom": 2.0, "left": 3.0, "right": 1.5}
FONT, BODY_PT = "Times New Roman", 14
LANGUAGE = "vi-VN"


def render(plan: Outline) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    _vietnamese_text(document)
    for section in document.sections:
        section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
        section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
        section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])

    def paragraph(text: str, bold: bool = False, center: bool = False, size: int | None = None,
                  into=None, body: bool = False, italic: bool = False):
        p = into.add_paragraph() if into is not None else document.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if body:  # body text: justified, the first line indented (Decree 30, Appendix I)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            p.paragraph_format.first_line_indent = Cm(BODY_INDENT_CM)
        p.paragraph_format.space_after = Pt(6 if into is None else 0)
        return p

    _docx_heading(document, plan, paragraph)
    paragraph(plan.title, bold=True, center=True)
    paragraph(plan.subtitle, bold=True, center=True)
    closed = False
    for section in plan.sections:
        if section.title.startswith(APPENDIX) and not closed:  # an appendix follows the signature
            paragraph(plan.footnote, size=12, italic=True)
            _docx_closing(document, plan, paragraph)
            closed = True
        title = paragraph(section.title, bold=True)
        title.paragraph_format.first_line_indent = Cm(BODY_INDENT_CM)
        title.paragraph_format.page_break_before = section.title.startswith(APPENDIX)
        for text in section.paragraphs:
            paragraph(text, body=True)
        for text in section.bullets:
            paragraph(f"- {text}", body=True)
        for table in section.tables:
            _docx_table(document, table, paragraph)
        if section.chart and plan.chart:
            usable = PAGE_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]
            document.add_picture(io.BytesIO(plan.chart), width=Cm(usable))
    if not closed:
        paragraph(plan.footnote, size=12, italic=True)
        _docx_closing(document, plan, paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HEADING_CM = (7.0, 9.5)  # the issuer's column and the national title's, of the 16.5 cm
BODY_INDENT_CM = 1.0
DATE = r"\d{2}/\d{2}/\d{4}"


def _fixed_columns(table, widths_cm: list[float]) -> None:
    """Column widths written both where Word reads them (each cell) and where LibreOffice
    does (the table grid), with a fixed layout so neither re-flows them."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _rule_below(p, indent_cm: float) -> None:
    """A single line under the text above: an empty paragraph's border, trimmed by its indents
    to about the text's length (the text itself keeps the cell's whole width)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    p.paragraph_format.line_spacing = Pt(3)

    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p._p.get_or_add_pPr().append(borders)
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Cm(indent_cm)


def _docx_heading(document, plan: Outline, paragraph) -> None:
    """The heading block: the People's Committee over the station, with the number and symbol
    under them; the national title and the motto on one line with its rule, then place and date."""
    heading = document.add_table(rows=1, cols=2)
    _fixed_columns(heading, list(HEADING_CM))
    left, right = heading.rows[0].cells
    left.paragraphs[0].text, right.paragraphs[0].text = "", ""
    left._tc.remove(left.paragraphs[0]._p)
    right._tc.remove(right.paragraphs[0]._p)
    if plan.parent:
        paragraph(plan.parent, center=True, size=12, into=left)
    paragraph(plan.authority, bold=True, center=True, size=12, into=left)
    _rule_below(paragraph("", size=2, into=left), 2.0)
    if plan.number:
        paragraph("", size=6, into=left)
        paragraph(plan.number, center=True, size=13, into=left)
    paragraph(MOTTO_TITLE, bold=True, center=True, size=12, into=right)
    paragraph(MOTTO, bold=True, center=True, size=13, into=right)
    _rule_below(paragraph("", size=2, into=right), 1.55)
    if plan.place_date:
        paragraph("", size=6, into=right)
        paragraph(plan.place_date, center=True, italic=True, size=13, into=right)
    paragraph("", size=8)


def _docx_closing(document, plan: Outline, paragraph) -> None:
    """Recipients on the left (12 pt, bold italic label), the signature block on the right."""
    if not plan.signer_name and not plan.recipients:
        return
    from docx.oxml import OxmlElement

    closing = document.add_table(rows=1, cols=2)
    _fixed_columns(closing, list(HEADING_CM))
    closing.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # one page, whole
    left, right = closing.rows[0].cells
    left._tc.remove(left.paragraphs[0]._p)
    right._tc.remove(right.paragraphs[0]._p)
    paragraph("Nơi nhận:", bold=True, italic=True, size=12, into=left)
    for line in plan.recipients:
        paragraph(f"- {line}", size=11, into=left)
    paragraph(plan.signer_title, bold=True, center=True, size=13, into=right)
    for _ in range(4):  # room for the signature and the seal
        paragraph("", into=right)
    paragraph(plan.signer_name, bold=True, center=True, size=14, into=right)


def _column_widths(table: Table) -> list[float]:
    """Share the 16.5 cm: a column of dates is never narrower than a date (so a date never
    breaks inside its cell), the rest by the length of their longest word and text."""
    usable = PAGE_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]
    cells = [[table.header[i], *(row[i] for row in table.rows)] for i in range(len(table.header))]
    least = [2.6 if any(re.search(DATE, c) for c in column) else
             max(1.4, 0.23 * max(len(w) for c in column for w in (c.split() or [""]))) for column in cells]
    wants = [max(len(c) for c in column) for column in cells]
    spare = max(0.0, usable - sum(least))
    total = sum(wants) or 1
    return [low + spare * want / total for low, want in zip(least, wants)]


def _docx_table(document, table: Table, paragraph) -> None:
    from docx.shared import Pt

    if not table.rows:
        paragraph(table.empty, body=True)
        return
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.header):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in table.rows:
        for cell, text in zip(grid.add_row().cells, row):
            cell.text = text
    for row in grid.rows:
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(12)
    _fixed_columns(grid, _column_widths(table))


def _vietnamese_text(document) -> None:
    """Times New Roman for every script and the document's language set to Vietnamese, in
    the defaults and the Normal style (Word's spelling and hyphenation follow them)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    for properties in (normal.element.get_or_add_rPr(),
                       document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))):
        fonts = properties.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            properties.insert(0, fonts)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(theme), None)
        language = properties.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            properties.append(language)
        for attribute in ("w:val", "w:eastAsia"):
            language.set(qn(attribute), LANGUAGE)
