"""WCAG 2.1 AA contrast (1.4.3) in Chromium: every visible text on the pages each role works
with, and a specimen of every badge, status colour, button, link and message style placed on a
real page, is measured from the colours the browser computed (the background is the nearest
painted ancestor, blended with the ones below it; opacity counts). Normal text needs 4.5:1,
large text (24 px, or 18.66 px bold) 3:1."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.evidence.services import record_create
from tests.browser.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QINGXU, QINGYUAN = "140121000000", "140121100000"

# (element, classes, wrapper classes): each rendered with the text 「无数据 已逾期 2026年12月1日」.
SPECIMENS = [
    ("span", "status status-red", ""), ("span", "status status-yellow", ""), ("span", "status status-green", ""),
    ("span", "status status-grey", ""), ("td", "cell cell-red", "table matrix"), ("td", "cell cell-yellow", "table matrix"),
    ("td", "cell cell-green", "table matrix"), ("td", "cell cell-grey", "table matrix"), ("td", "cell-none", "table"),
    ("span", "muted", ""), ("span", "muted small", "card"), ("span", "tag", ""), ("span", "error", ""),
    ("p", "missing", "card"), ("p", "empty", ""), ("a", "", ""), ("a", "", "card"), ("a", "button", ""),
    ("a", "button primary", ""), ("a", "button small", ""), ("button", "", ""), ("button", "primary", ""),
    ("li", "msg msg-success", "messages"), ("li", "msg msg-error", "messages"), ("li", "msg msg-warning", "messages"),
    ("li", "msg", "messages"), ("span", "breadcrumbs", ""), ("p", "footer", ""),
    ("div", "supervision unread", ""), ("div", "supervision", ""), ("span", "kpi-label", "card"),
]

MEASURE = """(specimens) => {
  const host = document.createElement('div');
  host.id = 'contrast-specimens';
  for (const [tag, classes, wrapper] of specimens) {
    let parent = host;
    if (wrapper) {
      const outer = document.createElement(wrapper.startsWith('table') ? 'table' : (wrapper === 'messages' ? 'ul' : 'div'));
      outer.className = wrapper;
      if (outer.tagName === 'TABLE') {
        const row = outer.insertRow();
        parent = row;
      } else parent = outer;
      host.appendChild(outer);
    }
    const el = document.createElement(tag);
    el.className = classes;
    if (tag === 'a') el.href = '#';
    el.textContent = '无数据 已逾期 2026年12月1日';
    el.dataset.specimen = `${tag}.${classes.replace(/ /g, '.')} in .${wrapper}`;
    parent.appendChild(el);
  }
  // A control the measurement must catch: the grey of the old 无数据 badge on white (2.7:1).
  const control = document.createElement('span');
  control.style.color = '#9e9e9e';
  control.style.background = '#fff';
  control.textContent = '对照';
  control.dataset.specimen = 'control';
  host.appendChild(control);
  (document.querySelector('main') || document.body).appendChild(host);

  const rgba = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, below) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat(1); };
  const lum = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255, 1]);
  };
  const opacity = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
  const failures = [];
  let measured = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim()).map(n => n.textContent.trim()).join(' ');
    if (!own || el.closest('.sr-only, script, style, noscript, template, [hidden]') || el.matches(':disabled')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== 'visible' || el.getClientRects().length === 0) continue;
    const bg = background(el);
    const fg = rgba(cs.color);
    fg[3] *= opacity(el);
    const r = ratio(over(fg, bg), bg);
    const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    measured += 1;
    if (r < need) failures.push(`${el.dataset.specimen || el.tagName.toLowerCase() + '.' + [...el.classList].join('.')} 「${own.slice(0, 20)}」 ${r.toFixed(2)}:1 < ${need}:1 (${cs.color} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
  }
  return {measured, failures};
}"""


def contrast_failures(page) -> list[str]:
    result = page.evaluate(MEASURE, SPECIMENS)
    assert result["measured"] > len(SPECIMENS) + 5  # the page's own text was measured too
    control = [f for f in result["failures"] if f.startswith("control ")]
    assert len(control) == 1 and " 2.68:1 < 4.5:1 " in control[0], result["failures"]
    return [f for f in result["failures"] if not f.startswith("control ")]


def visit(page, url):
    response = page.goto(url)
    assert response.ok, url


def test_it_keeps_every_text_at_wcag_aa_contrast(page, people, units, journey_catalog):
    # Some work in progress, so the pages show badges of every colour.
    record = record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                           values={"held_on": timezone.localdate() - timedelta(days=3), "drill_type": "comprehensive",
                                   "subject": "汛前综合演练", "participants": 30, "evaluation": ""})
    failures = {}
    visit(page, "/accounts/login/")
    failures["/accounts/login/"] = contrast_failures(page)
    login(page, "county", PASSWORD)
    for url in ("/", f"/dashboard/{QINGXU}/", f"/overdue/{QINGXU}/", f"/units/{QINGYUAN}/", "/evidence/review/",
                f"/evidence/review/drills/{record.pk}/", f"/evidence/drills/{record.pk}/", "/search/?q=清源"):
        visit(page, url)
        failures[url] = contrast_failures(page)
    page.context.clear_cookies()
    login(page, "township", PASSWORD)
    for url in (f"/workspace/{QINGYUAN}/", "/calendar/", f"/evidence/drills/new/{QINGYUAN}/", "/evidence/drills/",
                f"/evidence/drills/{record.pk}/"):
        visit(page, url)
        failures[url] = contrast_failures(page)
    assert not {url: f for url, f in failures.items() if f}
