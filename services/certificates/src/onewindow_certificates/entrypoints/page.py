"""The printable licence page (zh-CN): GB/T 36903 metadata, the 亮证 code as inline SVG, and the
加注 wording of 国办函〔2016〕108号 for an A-level electronic licence."""
from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from ..adapters import qr

_ID_TYPES = {"111": "公民身份号码", "001": "统一社会信用代码"}
_STATUS = {"issued": "有效", "revoked": "已撤销"}
_STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
.licence{max-width:46em;margin:auto;border:3px double #a40000;padding:2em 2.5em;position:relative}
h1{text-align:center;letter-spacing:.4em;color:#a40000;margin:0 0 1em}
table{border-collapse:collapse;width:100%}th{text-align:left;width:9em;font-weight:normal;color:#555}
td,th{padding:.35em .2em;border-bottom:1px solid #eee;vertical-align:top}.id{font-family:monospace;word-break:break-all}
.code{text-align:center;margin-top:1.5em}.code svg{width:16em;height:16em}
.note{font-size:.85em;color:#555;text-align:center}.revoked{color:#a40000;font-weight:bold}
@media print{body{margin:0}.licence{border-width:2px}}
"""


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "长期"


def render(row: dict[str, Any]) -> str:
    fields = [
        ("证照编号", row["licence_no"]),
        ("持证主体", f"{row['holder_ref']}（代码类型：{_ID_TYPES.get(_id_type(row), '')}；号码不予显示）"),
        ("颁发机构", f"{row['issuer_name']}（{row['issuer_code']}）"),
        ("颁发日期", _day(row["issued_on"])),
        ("有效期", f"{_day(row['valid_from'])} 至 {_day(row['valid_until'])}"),
        ("所属区划", row["region_code"]),
        ("证照状态", _STATUS.get(row["status"], row["status"])),
    ]
    rows = "\n".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in fields)
    revoked = '<p class="revoked">本证照已撤销，不再有效。</p>' if row["status"] == "revoked" else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(row['name'])}（电子证照）</title>
<style>{_STYLE}</style></head>
<body><main class="licence">
<h1>{escape(row['name'])}</h1>
{revoked}
<table>
<tr><th>证照标识</th><td class="id">{escape(row['licence_id'])}</td></tr>
{rows}
</table>
<div class="code">{qr.inline_svg(row['qr_payload'])}
<p class="note">一码亮证：扫描二维码，以颁发机构公布的公钥离线验签；联网核验可查询是否已撤销。</p></div>
<p class="note">此件由{escape(row['issuer_name'])}提供，仅供办理政务服务事项时使用，有效期至{escape(_day(row['valid_until']))}。</p>
</main></body></html>"""


def _id_type(row: dict[str, Any]) -> str:
    return "111" if row["holder_kind"] == "citizen" else "001"
