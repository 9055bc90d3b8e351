"""Copies of the bundled 2019 plan in the formats researchers get texts in, made by the tests.

Each is derived from ``versions/beijing-services-pilot/2019.txt`` here and now: a web page
shaped like a government site (navigation, the approval letter before the plan, footer), a
Word file, a PDF with a running header and page numbers, and encodings of the text. The
Traditional copies are synthetic (OpenCC conversions of the Simplified text), not real
published texts.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

PLAN_PATH = (
    Path(__file__).resolve().parents[1]
    / "versions"
    / "beijing-services-pilot"
    / "2019.txt"
)
PLAN = PLAN_PATH.read_text(encoding="utf-8")
PLAN_LINES = [line.strip() for line in PLAN.splitlines() if line.strip()]
TITLE = "全面推进北京市服务业扩大开放综合试点工作方案"
#: The first words of the plan: the marker that cuts off what comes before it.
START = "北京市服务业扩大开放综合试点开展以来"
LAST_SENTENCE = "重大事项要及时向国务院请示报告。"

#: The State Council's approval (批复) as it stands before a plan on its pages; shortened.
APPROVAL = [
    "国务院关于全面推进北京市服务业扩大开放综合试点工作方案的批复",
    "国函〔2019〕16号",
    "北京市人民政府、商务部：",
    "你们关于全面推进北京市服务业扩大开放综合试点工作的请示收悉。现批复如下：",
    (
        "一、同意在北京市继续开展和全面推进服务业扩大开放综合试点，试点期为自批复之日起"
        "3年。原则同意《全面推进北京市服务业扩大开放综合试点工作方案》，请认真组织实施。"
    ),
    "二、北京市人民政府要加强对试点工作的组织领导，在风险可控的前提下，精心组织，大胆实践。",
    "国务院",
    "2019年1月31日",
    "（此件公开发布）",
]
NAVIGATION = ["首页", "国务院", "总理", "新闻", "政策", "互动", "服务", "数据", "国情"]
FOOTER = [
    "【我要纠错】 【打印此页】 【关闭窗口】",
    "主办单位：国务院办公厅　运行维护单位：中国政府网运行中心",
    "版权所有：中国政府网　京ICP备05070218号",
]


def traditional(text: str = PLAN, config: str = "s2t") -> str:
    """A synthetic Traditional copy, Big5-encodable: OpenCC ``config``, with 爲 written 為
    as Big5 pages write it (OpenCC's s2t gives 爲, which Big5 lacks)."""
    import opencc

    return opencc.OpenCC(config).convert(text).replace("爲", "為")


def gov_page(
    lines: list[str] = PLAN_LINES,
    charset: str = "utf-8",
    title: str = TITLE,
    approval: list[str] = APPROVAL,
) -> str:
    """A page shaped like a State Council policy page: navigation, search, breadcrumb, a
    metadata table, the approval letter, the plan, related links and a footer."""
    e = html.escape
    nav = "".join(
        f'<li><a href="/{k}/">{e(name)}</a></li>' for k, name in enumerate(NAVIGATION)
    )
    letter = "\n".join(f"<p>{e(line)}</p>" for line in approval[1:])
    body = "\n".join(
        f'<p style="text-indent: 2em;">{e(line)}</p>' for line in lines if line
    )
    footer = "".join(f"<p>{e(line)}</p>" for line in FOOTER[1:])
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="{charset}">
<title>{e(approval[0])}_政府信息公开专栏</title>
<style>.nav li {{ display: inline; }}</style>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
</head>
<body>
<div class="header"><div class="logo">中国政府网</div><ul class="nav">{nav}</ul>
<form action="/search"><input name="q"><button>搜索</button></form></div>
<div class="crumb">您现在的位置：<a href="/">首页</a> &gt; <a href="/zhengce/">政策</a>
 &gt; 国务院文件</div>
<table class="info">
<tr><td>索 引 号：</td><td>000014349/2019-00020</td><td>主题分类：</td><td>综合政务</td></tr>
<tr><td>发文机关：</td><td>国务院</td><td>成文日期：</td><td>2019年01月31日</td></tr>
<tr><td>发文字号：</td><td>{e(approval[1])}</td><td>发布日期：</td><td>2019年02月22日</td></tr>
</table>
<div class="article">
<h1>{e(approval[0])}</h1>
{letter}
<p style="text-align: center;"><strong>{e(title)}</strong></p>
{body}
</div>
<div class="share">{e(FOOTER[0])} 责任编辑：王某</div>
<div class="related"><h3>相关稿件</h3><ul>
<li><a href="/a">商务部解读服务业扩大开放综合试点</a></li>
<li><a href="/b">北京服务业开放迈出新步伐</a></li></ul></div>
<div class="footer">{footer}</div>
</body></html>
"""


def navigation_page() -> str:
    """A page with menus and links only: no policy text."""
    links = "".join(f'<li><a href="/{k}">栏目{k}</a></li>' for k in range(30))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>栏目导航</title>'
        f"</head><body><ul>{links}</ul><div>{FOOTER[2]}</div></body></html>"
    )


def docx_bytes(lines: list[str] = PLAN_LINES, approval: list[str] = APPROVAL) -> bytes:
    """A Word file: the approval letter, a page break, the plan's title, then the plan,
    with headings in bold, first-line indents, a page header and footer."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "国务院公报 2019年第7号"
    section.footer.paragraphs[0].text = "— 1 —"
    document.add_heading(approval[0], level=1)
    for line in approval[1:]:
        document.add_paragraph(line)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(TITLE).bold = True
    for line in lines:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)
        if len(line) < 40 and "、" in line[:4]:
            paragraph.add_run(line).bold = True
        else:
            # Split the paragraph into runs, as Word does after edits.
            middle = len(line) // 2
            paragraph.add_run(line[:middle])
            paragraph.add_run(line[middle:])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(
    lines: list[str] = PLAN_LINES,
    indent: bool = True,
    chars_per_line: int = 34,
    header: str = "国务院公报 2019年第7号",
) -> bytes:
    """A PDF typeset like a gazette page: a centred title, paragraphs wrapped at a fixed
    width (first lines indented two characters, or not), a running header and a page
    number at the foot of every page. The font is the Adobe CID font STSong-Light, which
    needs no font file."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    width, height = A4
    size, left, top, bottom = 12, 60, height - 80, 60
    state = {"page": 0, "y": 0.0}

    def new_page() -> None:
        if state["page"]:
            pdf.showPage()
        state["page"] += 1
        state["y"] = top
        pdf.setFont("STSong-Light", 9)
        pdf.drawString(left, height - 40, header)
        pdf.drawCentredString(width / 2, 30, f"— {state['page']} —")
        pdf.setFont("STSong-Light", size)

    def draw(text: str, x: float) -> None:
        if state["y"] < bottom:
            new_page()
        pdf.drawString(x, state["y"], text)
        state["y"] -= size * 1.6

    new_page()
    pdf.setFont("STSong-Light", 16)
    pdf.drawCentredString(width / 2, state["y"], TITLE)
    state["y"] -= 40
    pdf.setFont("STSong-Light", size)
    for line in lines:
        first, rest = True, line
        while rest:
            n = chars_per_line - (2 if first and indent else 0)
            chunk, rest = rest[:n], rest[n:]
            draw(chunk, left + (2 * size if first and indent else 0))
            first = False
    pdf.save()
    return out.getvalue()
