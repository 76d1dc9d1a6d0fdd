# ruff: noqa: E501, E741, SIM108 - a data generator: one long line a question reads best
"""Write the invented table corpus (and, with --questions, the gold question files).

    python make_tables_corpus.py              # (re)write the table documents in tables_corpus/
    python make_tables_corpus.py --questions  # also rewrite tables_dev.jsonl and tables_heldout.jsonl beside it

All data is invented.

What each file holds (the documents only live in tables_corpus/, so that the folder can be indexed as it is):

- `projects.csv`: 14 projects (Project, Region, Organisation, Year, Sector, Budget (soles), Beneficiaries, Status);
  numbers quoted with thousands commas ("1,250,000"), 2 empty Beneficiaries + 1 empty Sector, final `Total` row that
  is NOT data.
- `wells.tsv`: 12 wells, tab separated; `Date drilled` mixes 2023-03-15, 15/04/2023 (DD/MM) and "March 2023"; `Cost`
  written "S/ 3,400".
- `budget.xlsx` sheet `2023`: title in A1, blank row 2, header on row 3; `#,##0` amounts; `Execution rate` is a real
  percent cell (0.78 shown 78%).
- `budget.xlsx` sheet `Donors`: two-row header, "Funding (USD)" merged over C1:D1 with "2022"/"2023" below (other
  headers merged vertically); amounts are text ("$52.3 million") or numbers.
- `report.docx`: paragraphs + one Word table; contributions in European format (125.430,50; 1.250,5), one empty 2022
  cell.
- `slides.pptx`: slide 1 text, slide 2 a table (District, Region, Workshops, Participants, Women (%) as "58%" text).
- `staff.html`: table 1 with `<th>` row and no thead (Office, Region, Staff, Opened); table 2 with thead/tbody
  (Vehicles, Boats, Field trips 2023).

Gold values are computed with pandas from the source lists below; non-integer values are rounded to 6 decimals;
`rows` identify rows by key cells (name, or Well ID + Community).
"""

import csv
import datetime as dt
import json
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent / "tables_corpus"
FIXED = dt.datetime(2024, 1, 15, 12, 0, 0)

# ---------------------------------------------------------------- source data
# projects.csv: Project, Region, Organisation, Year, Sector, Budget (soles), Beneficiaries, Status
PROJECTS = [
    ("Agua Segura Nauta", "Loreto", "COOPI", 2022, "Water", 1250000, 3400, "Completed"),
    ("Escuelas Andinas", "Cusco", "Plan International", 2022, "Education", 860500, 2150, "Completed"),
    ("Mujeres Emprendedoras", "Puno", "CARE Perú", 2022, "Livelihoods", 540000, 980, "Completed"),
    ("Salud Materna Sur", "Ayacucho", "Cáritas", 2022, "Health", 720000, None, "Completed"),
    ("Comedores Populares", "Lima", "Cáritas", 2022, "Food security", 275000, None, "Suspended"),
    ("Riego Tecnificado", "Piura", "COOPI", 2023, "Agriculture", 1480000, 1875, "Ongoing"),
    ("Lima Resiliente", "Lima", "CARE Perú", 2023, "Disaster risk", 935000, 5200, "Ongoing"),
    ("Amazonía Limpia", "Loreto", "Cáritas", 2023, "Water", 615000, 2600, "Ongoing"),
    ("Niñez Protegida", "Cusco", "Plan International", 2023, "Protection", 410000, 1320, "Ongoing"),
    ("Alpacas del Altiplano", "Puno", "COOPI", 2023, "Livelihoods", 390000, 760, "Ongoing"),
    ("Escuelas Seguras Piura", "Piura", "Plan International", 2024, "Education", 1100000, 2900, "Ongoing"),
    ("Agua para Huamanga", "Ayacucho", "CARE Perú", 2024, "Water", 830000, 1450, "Planned"),
    ("Friaje Puno", "Puno", "CARE Perú", 2024, "Health", 455000, 1100, "Planned"),
    ("Ríos Vivos", "Loreto", "COOPI", 2024, None, 670000, 1980, "Planned"),
]
P_COLS = ["Project", "Region", "Organisation", "Year", "Sector", "Budget (soles)", "Beneficiaries", "Status"]

# wells.tsv: Well ID, Community, Region, Date drilled (as written, year, month), Depth (m), Cost (soles), Households served, Organisation
WELLS = [
    ("W-01", "Santa Rita", "Loreto", "2023-03-15", 2023, 3, 42, 3400, 35, "COOPI"),
    ("W-02", "Nueva Esperanza", "Loreto", "15/04/2023", 2023, 4, 38, 3150, 28, "COOPI"),
    ("W-03", "Chulucanas Alto", "Piura", "March 2023", 2023, 3, 55, 4800, 60, "COOPI"),
    ("W-04", "Tambogrande", "Piura", "2023-06-02", 2023, 6, 61, 5250, 72, "CARE Perú"),
    ("W-05", "Huanta Bajo", "Ayacucho", "20/07/2023", 2023, 7, 47, 4100, 41, "Cáritas"),
    ("W-06", "Ilave", "Puno", "August 2023", 2023, 8, 33, 2900, 25, "CARE Perú"),
    ("W-07", "Juli", "Puno", "2023-09-18", 2023, 9, 36, 3050, 30, "CARE Perú"),
    ("W-08", "San Pablo", "Loreto", "05/11/2023", 2023, 11, 29, 2750, 22, "Cáritas"),
    ("W-09", "Sechura Norte", "Piura", "2024-01-22", 2024, 1, 58, 5600, 66, "COOPI"),
    ("W-10", "Vilcashuamán", "Ayacucho", "February 2024", 2024, 2, 64, 6200, 80, "Cáritas"),
    ("W-11", "Indiana", "Loreto", "12/03/2024", 2024, 3, 40, 3300, 33, "COOPI"),
    ("W-12", "Acora", "Puno", "2024-04-09", 2024, 4, 35, 2980, 27, "CARE Perú"),
]
W_COLS = ["Well ID", "Community", "Region", "Date drilled", "Depth (m)", "Cost", "Households served", "Organisation"]

# budget.xlsx sheet "2023": Region, Allocated (USD), execution rate, Projects; Executed = round(Allocated * rate)
BUDGET23 = [
    ("Loreto", 450000, 0.92, 6),
    ("Cusco", 380000, 0.85, 4),
    ("Puno", 295000, 0.78, 5),
    ("Piura", 520000, 0.95, 7),
    ("Ayacucho", 210000, 0.64, 3),
    ("Lima", 340000, 0.88, 4),
    ("Apurímac", 150000, 0.71, 2),
    ("Huancavelica", 125000, 0.56, 2),
]
B_COLS = ["Region", "Allocated (USD)", "Executed (USD)", "Execution rate", "Projects"]

# budget.xlsx sheet "Donors": Donor, Country, Funding 2022, Funding 2023, Main sector
# amounts: a string is written as text, an int is written as a number cell
DONORS = [
    ("European Union", "Multilateral", "$286 million", "$310 million", "Governance"),
    ("USAID", "United States", "$412 million", 398000000, "Health"),
    ("AECID", "Spain", 45500000, "$52.3 million", "Water"),
    ("KOICA", "South Korea", "$18 million", "$21.5 million", "Education"),
    ("JICA", "Japan", 96000000, 88500000, "Infrastructure"),
    ("GIZ", "Germany", "$64.8 million", "$71 million", "Environment"),
    ("COSUDE", "Switzerland", "$39 million", 42000000, "Water"),
    ("Global Affairs Canada", "Canada", "$27.4 million", "$25.9 million", "Livelihoods"),
]

# report.docx table: Organisation, Region, Contribution 2022 (EUR), Contribution 2023 (EUR), Volunteers (European number format)
REPORT = [
    ("COOPI", "Loreto", "118.300,00", "125.430,50", "14"),
    ("Cáritas", "Ayacucho", "101.000,00", "98.250,75", "22"),
    ("CARE Perú", "Puno", "131.275,40", "143.900,00", "9"),
    ("Plan International", "Cusco", "92.410,00", "87.615,25", "18"),
    ("Medicus Mundi", "Apurímac", "70.000,00", "76.480,00", "11"),
    ("Ayuda en Acción", "Piura", "49.880,60", "54.320,40", "7"),
    ("Fundación Ayllu", "Lima", "", "1.250,5", "3"),
]
R_COLS = ["Organisation", "Region", "Contribution 2022 (EUR)", "Contribution 2023 (EUR)", "Volunteers"]

# slides.pptx table: District, Region, Workshops, Participants, Women (%)
SLIDES = [
    ("Iquitos", "Loreto", 12, 340, "58%"),
    ("Belén", "Loreto", 8, 215, "64%"),
    ("Juliaca", "Puno", 10, 290, "51%"),
    ("San Jerónimo", "Cusco", 6, 150, "70%"),
    ("Huamanga", "Ayacucho", 9, 260, "55%"),
    ("Castilla", "Piura", 7, 185, "61%"),
]
S_COLS = ["District", "Region", "Workshops", "Participants", "Women (%)"]

# staff.html table 1 (<th> in first row, no thead): Office, Region, Staff, Opened
OFFICES = [
    ("Lima HQ", "Lima", 34, "2009-02-16"),
    ("Iquitos", "Loreto", 12, "2012-07-02"),
    ("Cusco", "Cusco", 9, "2014-03-10"),
    ("Puno", "Puno", 7, "2016-09-05"),
    ("Piura", "Piura", 11, "2018-01-22"),
    ("Ayacucho", "Ayacucho", 6, "2019-11-04"),
    ("Juliaca", "Puno", 5, "2020-02-03"),
    ("Tarapoto", "San Martín", 4, "2021-05-17"),
    ("Yurimaguas", "Loreto", 3, "2022-08-01"),
]
O_COLS = ["Office", "Region", "Staff", "Opened"]
# staff.html table 2 (thead/tbody): Office, Vehicles, Boats, Field trips 2023
FLEET = [
    ("Lima HQ", 5, 0, 48),
    ("Iquitos", 2, 4, 75),
    ("Cusco", 3, 0, 52),
    ("Puno", 2, 0, 39),
    ("Piura", 3, 0, 44),
    ("Ayacucho", 2, 0, 31),
    ("Juliaca", 1, 0, 23),
    ("Tarapoto", 1, 1, 27),
    ("Yurimaguas", 1, 3, 36),
]
F_COLS = ["Office", "Vehicles", "Boats", "Field trips 2023"]


# ---------------------------------------------------------------- helpers
def money_words(v):
    """'$52.3 million' -> 52300000; numbers pass through."""
    if isinstance(v, str):
        return round(float(v.replace("$", "").replace("million", "").strip()) * 1_000_000)
    return v


def eu_number(s):
    """'1.250,5' -> 1250.5; '' -> None."""
    return float(s.replace(".", "").replace(",", ".")) if s else None


def thousands(v):
    return f"{v:,}"


def normalize_zip(path):
    """Rewrite an OOXML zip with fixed timestamps so the bytes are reproducible."""
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 15, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-15T12:00:00Z", data)
                data = re.sub(rb"(<dcterms:created[^>]*>)[^<]*", rb"\g<1>2024-01-15T12:00:00Z", data)
            z.writestr(info, data)


# ---------------------------------------------------------------- writers
def write_projects():
    with open(HERE / "projects.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(P_COLS)
        for p in PROJECTS:
            w.writerow(
                [p[0], p[1], p[2], p[3], p[4] or "", thousands(p[5]), "" if p[6] is None else thousands(p[6]), p[7]]
            )
        tb = sum(p[5] for p in PROJECTS)
        tn = sum(p[6] for p in PROJECTS if p[6] is not None)
        w.writerow(["Total", "", "", "", "", thousands(tb), thousands(tn), ""])


def write_wells():
    with open(HERE / "wells.tsv", "w", newline="", encoding="utf-8") as f:
        f.write("\t".join(W_COLS) + "\n")
        for r in WELLS:
            f.write("\t".join([r[0], r[1], r[2], r[3], str(r[6]), f"S/ {r[7]:,}", str(r[8]), r[9]]) + "\n")


def write_budget():
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "2023"
    ws["A1"] = "Andean and Amazon programme - budget execution 2023"
    ws["A1"].font = Font(bold=True, size=13)
    # row 2 left blank on purpose
    for j, h in enumerate(B_COLS, 1):
        ws.cell(row=3, column=j, value=h).font = Font(bold=True)
    for i, (reg, alloc, rate, nproj) in enumerate(BUDGET23, 4):
        ws.cell(row=i, column=1, value=reg)
        ws.cell(row=i, column=2, value=alloc).number_format = "#,##0"
        ws.cell(row=i, column=3, value=round(alloc * rate)).number_format = "#,##0"
        ws.cell(row=i, column=4, value=rate).number_format = "0%"
        ws.cell(row=i, column=5, value=nproj)

    wd = wb.create_sheet("Donors")
    wd["A1"] = "Donor"
    wd["B1"] = "Country"
    wd["C1"] = "Funding (USD)"
    wd["E1"] = "Main sector"
    wd["C2"] = "2022"
    wd["D2"] = "2023"
    wd.merge_cells("A1:A2")
    wd.merge_cells("B1:B2")
    wd.merge_cells("C1:D1")
    wd.merge_cells("E1:E2")
    for c in ("A1", "B1", "C1", "E1", "C2", "D2"):
        wd[c].font = Font(bold=True)
        wd[c].alignment = Alignment(horizontal="center", vertical="center")
    for i, row in enumerate(DONORS, 3):
        for j, v in enumerate(row, 1):
            c = wd.cell(row=i, column=j, value=v)
            if isinstance(v, int):
                c.number_format = "#,##0"
    for sh in (ws, wd):
        sh.column_dimensions["A"].width = 24
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.properties.creator = "make_tables.py"
    path = HERE / "budget.xlsx"
    wb.save(path)
    normalize_zip(path)


def write_report():
    from docx import Document

    doc = Document()
    doc.add_heading("Annual cooperation report 2023 - Peru", level=1)
    doc.add_paragraph(
        "This report summarises the contributions of our partner organisations to development "
        "projects in Peru during 2022 and 2023. Amounts are given in euros using the European "
        "number format (a dot separates thousands and a comma separates decimals)."
    )
    doc.add_paragraph(
        "In 2023 the network expanded to Lima with a small seed grant to Fundación Ayllu, which "
        "had not contributed in 2022. Volunteer numbers refer to people active at the end of 2023."
    )
    t = doc.add_table(rows=1, cols=len(R_COLS))
    t.style = "Table Grid"
    for j, h in enumerate(R_COLS):
        t.rows[0].cells[j].text = h
    for r in REPORT:
        cells = t.add_row().cells
        for j, v in enumerate(r):
            cells[j].text = v
    doc.add_paragraph(
        "Next year the partners plan to focus on water and sanitation in the Amazon and on "
        "climate adaptation in the southern highlands."
    )
    doc.core_properties.created = FIXED
    doc.core_properties.modified = FIXED
    doc.core_properties.author = "make_tables.py"
    path = HERE / "report.docx"
    doc.save(path)
    normalize_zip(path)


def write_slides():
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    s1 = prs.slides.add_slide(prs.slide_layouts[1])
    s1.shapes.title.text = "Community training programme 2023"
    s1.placeholders[1].text = (
        "Workshops on water management, nutrition and disaster preparedness\n"
        "Six districts in Loreto, Puno, Cusco, Ayacucho and Piura\n"
        "Run with local municipalities and health posts"
    )
    s2 = prs.slides.add_slide(prs.slide_layouts[5])
    s2.shapes.title.text = "Workshops by district"
    shape = s2.shapes.add_table(len(SLIDES) + 1, len(S_COLS), Inches(0.5), Inches(1.6), Inches(9), Inches(3.5))
    tbl = shape.table
    for j, h in enumerate(S_COLS):
        tbl.cell(0, j).text = h
    for i, r in enumerate(SLIDES, 1):
        for j, v in enumerate(r):
            tbl.cell(i, j).text = str(v)
    prs.core_properties.created = FIXED
    prs.core_properties.modified = FIXED
    prs.core_properties.author = "make_tables.py"
    path = HERE / "slides.pptx"
    prs.save(path)
    normalize_zip(path)


def write_html():
    t1 = ['<table border="1">', "  <tr>" + "".join(f"<th>{h}</th>" for h in O_COLS) + "</tr>"]
    for r in OFFICES:
        t1.append("  <tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>")
    t1.append("</table>")
    t2 = [
        '<table border="1">',
        "  <caption>Vehicles, boats and field trips (2023)</caption>",
        "  <thead>",
        "    <tr>" + "".join(f"<th>{h}</th>" for h in F_COLS) + "</tr>",
        "  </thead>",
        "  <tbody>",
    ]
    for r in FLEET:
        t2.append("    <tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>")
    t2 += ["  </tbody>", "</table>"]
    html = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            "<title>Field offices and staff</title>",
            "</head>",
            "<body>",
            "<h1>Field offices in Peru</h1>",
            "<p>Our country programme works from a head office in Lima and eight field offices. "
            "Staff numbers include national and international personnel as of December 2023.</p>",
            *t1,
            "<h2>Logistics</h2>",
            "<p>In the Amazon, river boats are often the only way to reach partner communities.</p>",
            *t2,
            "</body>",
            "</html>",
            "",
        ]
    )
    (HERE / "staff.html").write_text(html, encoding="utf-8")


def write_tables():
    write_projects()
    write_wells()
    write_budget()
    write_report()
    write_slides()
    write_html()


# ---------------------------------------------------------------- pandas frames (clean values)
def frames():
    P = pd.DataFrame(PROJECTS, columns=P_COLS)
    P["_key"] = [[r[0]] for r in PROJECTS]
    W = pd.DataFrame(
        [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in WELLS],
        columns=[
            "Well ID",
            "Community",
            "Region",
            "Date drilled",
            "year",
            "month",
            "Depth (m)",
            "Cost",
            "Households served",
            "Organisation",
        ],
    )
    W["_key"] = [[r[0], r[1]] for r in WELLS]
    B = pd.DataFrame([(r[0], r[1], round(r[1] * r[2]), r[2], r[3]) for r in BUDGET23], columns=B_COLS)
    B["_key"] = [[r[0]] for r in BUDGET23]
    D = pd.DataFrame(
        [(r[0], r[1], money_words(r[2]), money_words(r[3]), r[4]) for r in DONORS],
        columns=["Donor", "Country", "Funding (USD) 2022", "Funding (USD) 2023", "Main sector"],
    )
    D["_key"] = [[r[0]] for r in DONORS]
    R = pd.DataFrame([(r[0], r[1], eu_number(r[2]), eu_number(r[3]), int(r[4])) for r in REPORT], columns=R_COLS)
    R["_key"] = [[r[0]] for r in REPORT]
    S = pd.DataFrame([(r[0], r[1], r[2], r[3], int(r[4].rstrip("%")) / 100) for r in SLIDES], columns=S_COLS)
    S["_key"] = [[r[0]] for r in SLIDES]
    O = pd.DataFrame(OFFICES, columns=O_COLS)
    O["opened_year"] = pd.to_datetime(O["Opened"]).dt.year
    O["_key"] = [[r[0]] for r in OFFICES]
    F = pd.DataFrame(FLEET, columns=F_COLS)
    F["_key"] = [[r[0]] for r in FLEET]
    return dict(P=P, W=W, B=B, D=D, R=R, S=S, O=O, F=F)


def num(v):
    v = float(v)
    return int(v) if v.is_integer() else round(v, 6)


def keys(df):
    return [list(k) for k in df["_key"]]


def every(df):
    return pd.Series(True, index=df.index)


def g_lookup(df, mask, col):
    sub = df[mask]
    assert len(sub) == 1, sub
    v = sub[col].iloc[0]
    return (v if isinstance(v, str) else num(v)), keys(sub)


def g_filter(df, mask, name):
    sub = df[mask]
    return list(sub[name]), keys(sub)


def g_count(df, mask):
    return len(df[mask]), keys(df[mask])


def g_agg(how):
    def f(df, mask, col):
        sub = df[mask & df[col].notna()]
        if how in ("sum", "mean"):
            return num(getattr(sub[col], how)()), keys(sub)
        best = getattr(sub[col], how)()
        return num(best), keys(sub[sub[col] == best])

    return f


def g_arg(how):
    def f(df, mask, col, name):
        sub = df[mask & df[col].notna()]
        best = getattr(sub[col], how)()
        win = sub[sub[col] == best]
        assert len(win) == 1, win
        return win[name].iloc[0], keys(win)

    return f


def g_group(how):
    def f(df, mask, by, col=None):
        sub = df[mask]
        if col is not None:
            sub = sub[sub[col].notna()]
        if how == "count":
            s = sub.groupby(by, sort=False).size()
        else:
            s = getattr(sub.groupby(by, sort=False)[col], how)()
        return {str(k): num(v) for k, v in s.items()}, keys(sub)

    return f


OPS = dict(
    lookup=g_lookup,
    filter=g_filter,
    count=g_count,
    sum=g_agg("sum"),
    average=g_agg("mean"),
    min=g_agg("min"),
    max=g_agg("max"),
    argmax=g_arg("idxmax"),
    argmin=g_arg("idxmin"),
    group_sum=g_group("sum"),
    group_count=g_group("count"),
    group_average=g_group("mean"),
)
# idxmax/idxmin are only used to name the method; g_arg compares against max/min:
OPS["argmax"] = g_arg("max")
OPS["argmin"] = g_arg("min")

SRC = dict(
    P=("projects.csv", None),
    W=("wells.tsv", None),
    B=("budget.xlsx", "2023"),
    D=("budget.xlsx", "Donors"),
    R=("report.docx", None),
    S=("slides.pptx", None),
    O=("staff.html", None),
    F=("staff.html", None),
)


# ---------------------------------------------------------------- questions
# (split, lang, op, table, question, compute(frames) -> args for OPS[op], note)
def Q(split, lang, op, table, question, args, note=None):
    return dict(split=split, lang=lang, op=op, table=table, question=question, args=args, note=note)


def U(split, lang, table, question, why, note=None):
    return dict(split=split, lang=lang, op=None, table=table, question=question, why=why, note=note)


def questions():
    return [
        # ---- projects.csv
        Q(
            "dev",
            "en",
            "count",
            "P",
            "How many projects are listed for 2023?",
            lambda t: (t.P, t.P.Year == 2023),
            "counts rows (not beneficiaries); the Total row is not a project",
        ),
        Q(
            "dev",
            "en",
            "sum",
            "P",
            "How many people did the 2023 projects reach altogether?",
            lambda t: (t.P, t.P.Year == 2023, "Beneficiaries"),
            "'how many people' = sum of Beneficiaries, not a row count",
        ),
        Q(
            "dev",
            "es",
            "sum",
            "P",
            "¿Cuánto dinero se destinó en total a los proyectos en Loreto?",
            lambda t: (t.P, t.P.Region == "Loreto", "Budget (soles)"),
            "'dinero' = Budget (soles); numbers quoted with thousands commas",
        ),
        Q(
            "dev",
            "en",
            "sum",
            "P",
            "What is the combined budget of all the projects?",
            lambda t: (t.P, every(t.P), "Budget (soles)"),
            "must not add the Total row again (would double the answer)",
        ),
        Q(
            "dev",
            "en",
            "average",
            "P",
            "On average, how many beneficiaries did a project have?",
            lambda t: (t.P, every(t.P), "Beneficiaries"),
            "2 empty Beneficiaries cells are skipped (12 values); Total row excluded",
        ),
        Q(
            "dev",
            "en",
            "argmax",
            "P",
            "Which project had the biggest budget?",
            lambda t: (t.P, every(t.P), "Budget (soles)", "Project"),
            "the Total row is larger than any project",
        ),
        Q(
            "dev",
            "en",
            "argmin",
            "P",
            "Which project reached the fewest persons?",
            lambda t: (t.P, every(t.P), "Beneficiaries", "Project"),
            "empty cells must not count as 0",
        ),
        Q(
            "dev",
            "en",
            "filter",
            "P",
            "Which projects have a budget of more than S/ 1,000,000?",
            lambda t: (t.P, t.P["Budget (soles)"] > 1_000_000, "Project"),
            "Total row also exceeds 1,000,000 but is not a project",
        ),
        Q(
            "dev",
            "en",
            "filter",
            "P",
            "List the projects where spending was between 400,000 and 700,000 soles.",
            lambda t: (t.P, t.P["Budget (soles)"].between(400_000, 700_000), "Project"),
            "'spending' = Budget (soles); inclusive range",
        ),
        Q(
            "dev",
            "en",
            "group_sum",
            "P",
            "How much budget has each organisation handled across its projects?",
            lambda t: (t.P, every(t.P), "Organisation", "Budget (soles)"),
            None,
        ),
        Q(
            "dev",
            "en",
            "group_count",
            "P",
            "Break down the number of projects by region.",
            lambda t: (t.P, every(t.P), "Region"),
            "Total row has no region and must not form a group",
        ),
        Q(
            "heldout",
            "es",
            "group_average",
            "P",
            "¿Cuál fue el presupuesto medio de los proyectos en cada año?",
            lambda t: (t.P, every(t.P), "Year", "Budget (soles)"),
            None,
        ),
        Q(
            "heldout",
            "en",
            "lookup",
            "P",
            "What's the current status of Comedores Populares?",
            lambda t: (t.P, t.P.Project == "Comedores Populares", "Status"),
            None,
        ),
        Q(
            "dev",
            "en",
            "lookup",
            "P",
            "How many beneficiaries did Escuelas Andinas have?",
            lambda t: (t.P, t.P.Project == "Escuelas Andinas", "Beneficiaries"),
            'value written as "2,150"',
        ),
        Q(
            "heldout",
            "en",
            "count",
            "P",
            "How many projects reached at least 2,000 beneficiaries?",
            lambda t: (t.P, t.P.Beneficiaries >= 2000),
            "at least = >=; empty cells do not count; Total row excluded",
        ),
        Q(
            "dev",
            "en",
            "max",
            "P",
            "What is the highest number of people any single project reached?",
            lambda t: (t.P, every(t.P), "Beneficiaries"),
            "Total row is larger; 'people' = Beneficiaries",
        ),
        Q(
            "dev",
            "en",
            "min",
            "P",
            "What was the smallest project budget?",
            lambda t: (t.P, every(t.P), "Budget (soles)"),
            None,
        ),
        Q(
            "dev",
            "es",
            "count",
            "P",
            "¿Cuántos proyectos de agua hay en la tabla?",
            lambda t: (t.P, t.P.Sector == "Water"),
            "Spanish 'agua' vs English cell value 'Water'",
        ),
        Q(
            "heldout",
            "en",
            "average",
            "P",
            "On average, how much did COOPI's projects cost?",
            lambda t: (t.P, t.P.Organisation == "COOPI", "Budget (soles)"),
            "'cost' = Budget (soles)",
        ),
        U("dev", "en", "P", "What was the average rainfall in Loreto during these projects?", "no_column"),
        U("dev", "en", "P", "How many projects started in 2019?", "no_match", "years in the table are 2022-2024"),
        U("dev", "en", "P", "What share of the beneficiaries were children?", "no_column"),
        # ---- wells.tsv
        Q(
            "dev",
            "en",
            "count",
            "W",
            "How many wells were drilled in March 2023?",
            lambda t: (t.W, (t.W.year == 2023) & (t.W.month == 3)),
            "dates in mixed formats: 2023-03-15 and 'March 2023'",
        ),
        Q(
            "heldout",
            "en",
            "sum",
            "W",
            "How much did the wells in Puno cost altogether?",
            lambda t: (t.W, t.W.Region == "Puno", "Cost"),
            "costs written like 'S/ 2,900'",
        ),
        Q(
            "dev",
            "es",
            "average",
            "W",
            "¿Cuál fue el costo promedio de un pozo en Piura?",
            lambda t: (t.W, t.W.Region == "Piura", "Cost"),
            "S/ amounts",
        ),
        Q(
            "dev",
            "en",
            "argmax",
            "W",
            "Which community got the deepest well?",
            lambda t: (t.W, every(t.W), "Depth (m)", "Community"),
            "answer is the Community, not the Well ID",
        ),
        Q(
            "heldout",
            "en",
            "argmin",
            "W",
            "Which well was the cheapest to drill?",
            lambda t: (t.W, every(t.W), "Cost", "Well ID"),
            "S/ amounts",
        ),
        Q(
            "dev",
            "en",
            "max",
            "W",
            "What's the most that was spent on a single well, in soles?",
            lambda t: (t.W, every(t.W), "Cost"),
            "'spent' = Cost",
        ),
        Q(
            "heldout",
            "en",
            "min",
            "W",
            "How deep is the shallowest well?",
            lambda t: (t.W, every(t.W), "Depth (m)"),
            None,
        ),
        Q(
            "dev",
            "en",
            "filter",
            "W",
            "Which wells were drilled between June and September 2023?",
            lambda t: (t.W, (t.W.year == 2023) & t.W.month.between(6, 9), "Well ID"),
            "mixed date formats incl. 20/07/2023 and 'August 2023'",
        ),
        Q(
            "dev",
            "en",
            "group_sum",
            "W",
            "How many households do the wells serve in each region?",
            lambda t: (t.W, every(t.W), "Region", "Households served"),
            "'how many households' = sum of Households served",
        ),
        Q(
            "heldout",
            "es",
            "group_count",
            "W",
            "¿Cuántos pozos perforó cada organización?",
            lambda t: (t.W, every(t.W), "Organisation"),
            None,
        ),
        Q(
            "dev",
            "en",
            "group_average",
            "W",
            "What is the average well depth per region?",
            lambda t: (t.W, every(t.W), "Region", "Depth (m)"),
            None,
        ),
        U("dev", "en", "W", "How many wells did COOPI drill in Cusco?", "no_match", "no well is in Cusco"),
        U("dev", "en", "W", "What is the flow rate in litres per second of well W-05?", "no_column"),
        U("heldout", "es", "W", "¿Cuántos pozos se perforaron en 2021?", "no_match", "wells are from 2023-2024"),
        # ---- budget.xlsx / 2023
        Q(
            "dev",
            "en",
            "lookup",
            "B",
            "What was Puno's budget execution rate in 2023?",
            lambda t: (t.B, t.B.Region == "Puno", "Execution rate"),
            "percent-formatted cell (78%) stores 0.78; title row + blank row above header",
        ),
        Q(
            "heldout",
            "en",
            "filter",
            "B",
            "Which regions executed less than 75% of their budget?",
            lambda t: (t.B, t.B["Execution rate"] < 0.75, "Region"),
            "percent cells",
        ),
        Q(
            "dev",
            "en",
            "average",
            "B",
            "What is the average execution rate across the regions?",
            lambda t: (t.B, every(t.B), "Execution rate"),
            "average of percent cells, as a fraction",
        ),
        Q(
            "dev",
            "en",
            "sum",
            "B",
            "What was the total amount allocated in 2023, in dollars?",
            lambda t: (t.B, every(t.B), "Allocated (USD)"),
            "thousands-formatted numbers; header is on row 3",
        ),
        Q(
            "heldout",
            "en",
            "argmax",
            "B",
            "Which region had the best execution rate?",
            lambda t: (t.B, every(t.B), "Execution rate", "Region"),
            None,
        ),
        Q(
            "dev",
            "es",
            "argmin",
            "B",
            "¿Qué región recibió la menor asignación de presupuesto?",
            lambda t: (t.B, every(t.B), "Allocated (USD)", "Region"),
            None,
        ),
        Q(
            "dev",
            "en",
            "max",
            "B",
            "What was the largest amount actually executed by one region?",
            lambda t: (t.B, every(t.B), "Executed (USD)"),
            None,
        ),
        U("heldout", "en", "B", "What was Loreto's execution rate in 2021?", "no_match", "sheet only covers 2023"),
        # ---- budget.xlsx / Donors (two-row header)
        Q(
            "dev",
            "en",
            "lookup",
            "D",
            "How much funding did USAID provide in 2023?",
            lambda t: (t.D, t.D.Donor == "USAID", "Funding (USD) 2023"),
            "two-row header with merged 'Funding (USD)'; number cell",
        ),
        Q(
            "dev",
            "en",
            "sum",
            "D",
            "What was the total donor funding in 2023?",
            lambda t: (t.D, every(t.D), "Funding (USD) 2023"),
            "mix of '$52.3 million' text and number cells",
        ),
        Q(
            "heldout",
            "es",
            "max",
            "D",
            "¿Cuál fue el mayor aporte de un solo donante en 2022?",
            lambda t: (t.D, every(t.D), "Funding (USD) 2022"),
            "'$412 million' as text",
        ),
        Q(
            "dev",
            "en",
            "argmin",
            "D",
            "Which donor gave the least money in 2023?",
            lambda t: (t.D, every(t.D), "Funding (USD) 2023", "Donor"),
            "'money' = Funding (USD) 2023",
        ),
        Q(
            "heldout",
            "en",
            "group_sum",
            "D",
            "How much 2023 funding went to each main sector?",
            lambda t: (t.D, every(t.D), "Main sector", "Funding (USD) 2023"),
            None,
        ),
        U("dev", "es", "D", "¿Cuánto financiamiento aportó la GIZ?", "ambiguous", "Funding 2022 and 2023 both apply"),
        U(
            "heldout",
            "en",
            "D",
            "What is the average funding per donor?",
            "ambiguous",
            "no year given: 2022 or 2023 column",
        ),
        U("dev", "en", "D", "How much did the Netherlands give in 2023?", "no_match", "donor not in the table"),
        # ---- report.docx
        Q(
            "heldout",
            "en",
            "sum",
            "R",
            "What were the partners' total contributions in 2023, in euros?",
            lambda t: (t.R, every(t.R), "Contribution 2023 (EUR)"),
            "decimal-comma numbers like 125.430,50 and 1.250,5",
        ),
        Q(
            "heldout",
            "en",
            "average",
            "R",
            "What was the average contribution per organisation in 2022?",
            lambda t: (t.R, every(t.R), "Contribution 2022 (EUR)"),
            "Fundación Ayllu's 2022 cell is empty: 6 values averaged",
        ),
        Q(
            "heldout",
            "es",
            "filter",
            "R",
            "¿Qué organizaciones aportaron más de 100.000 euros en 2023?",
            lambda t: (t.R, t.R["Contribution 2023 (EUR)"] > 100_000, "Organisation"),
            "98.250,75 is below the threshold",
        ),
        Q(
            "dev",
            "en",
            "min",
            "R",
            "What is the smallest 2023 contribution in the report's table?",
            lambda t: (t.R, every(t.R), "Contribution 2023 (EUR)"),
            "'1.250,5' = 1250.5",
        ),
        U(
            "dev",
            "en",
            "R",
            "What is the total contribution of Cáritas?",
            "ambiguous",
            "2022 and 2023 contribution columns",
        ),
        # ---- slides.pptx
        Q(
            "heldout",
            "en",
            "lookup",
            "S",
            "What share of the participants in Belén were women?",
            lambda t: (t.S, t.S.District == "Belén", "Women (%)"),
            "text '64%' in a slide table -> 0.64",
        ),
        Q(
            "dev",
            "en",
            "sum",
            "S",
            "How many workshops were held across all districts?",
            lambda t: (t.S, every(t.S), "Workshops"),
            "'how many workshops' = sum of Workshops column, not row count",
        ),
        Q(
            "dev",
            "en",
            "group_sum",
            "S",
            "How many participants were there per region?",
            lambda t: (t.S, every(t.S), "Region", "Participants"),
            None,
        ),
        U("dev", "en", "S", "What did the workshops in Juliaca cost?", "no_column"),
        # ---- staff.html
        Q(
            "heldout",
            "en",
            "count",
            "O",
            "How many offices have more than 10 staff members?",
            lambda t: (t.O, t.O.Staff > 10),
            "first HTML table (th headers, no thead)",
        ),
        Q(
            "heldout",
            "en",
            "argmax",
            "F",
            "Which office has the most boats?",
            lambda t: (t.F, every(t.F), "Boats", "Office"),
            "second HTML table (thead/tbody)",
        ),
        Q(
            "dev",
            "es",
            "group_count",
            "O",
            "¿Cuántas oficinas hay en cada región?",
            lambda t: (t.O, every(t.O), "Region"),
            None,
        ),
        Q(
            "heldout",
            "en",
            "group_average",
            "O",
            "What is the average headcount per office in each region?",
            lambda t: (t.O, every(t.O), "Region", "Staff"),
            "'headcount' = Staff",
        ),
        U("heldout", "en", "O", "What is the monthly rent of the Piura office?", "no_column"),
    ]


def build_questions():
    class T:
        pass

    t = T()
    for k, v in frames().items():
        setattr(t, k, v)
    out = {"dev": [], "heldout": []}
    for q in questions():
        src, sheet = SRC[q["table"]]
        rec = {"question": q["question"], "language": q["lang"], "answerable": q["op"] is not None}
        if q["op"] is None:
            rec.update(operation=None, source=src)
            if sheet:
                rec["sheet"] = sheet
            rec["why"] = q["why"]
        else:
            value, rows = OPS[q["op"]](*q["args"](t))
            rec.update(operation=q["op"], source=src)
            if sheet:
                rec["sheet"] = sheet
            rec.update(value=value, rows=rows)
        if q["note"]:
            rec["note"] = q["note"]
        out[q["split"]].append(rec)
    for split, recs in out.items():
        with open(HERE.parent / f"tables_{split}.jsonl", "w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return out


if __name__ == "__main__":
    write_tables()
    if "--questions" in sys.argv:
        out = build_questions()
        print({k: len(v) for k, v in out.items()})
