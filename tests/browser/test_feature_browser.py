"""The feature browser in a real browser: notebook 08 (the digits) run in JupyterLab (started
as `make lab` starts it, on a copy of the notebooks) in headless Chromium. Picks another unit
with the unit control and with the "next" button, and checks that the card picture and the
readout change to that unit, with no widget errors.
"""

from __future__ import annotations

import re

from .conftest import NOTEBOOK_JS, assert_no_widget_errors, open_notebook

NOTEBOOK = "notebooks/08_pen_strokes_digits.ipynb"
BROWSER = ".sae-feature-browser"
IMAGE = f"{BROWSER} img.sae-feature-image"
READOUT = f"{BROWSER} .sae-feature-readout"
ALL_RUN_JS = f"""() => {{
    const w = {NOTEBOOK_JS};
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    if (!k || k.status !== 'idle') return false;
    return w.content.widgets.every(
        c => c.model.type !== 'code' || c.model.sharedModel.getSource().trim() === ''
             || (c.model.executionCount !== null && c.model.executionCount > 0));
}}"""


def _src(page):
    return page.locator(IMAGE).first.get_attribute("src")


def _wait_src_change(page, old):
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel);"
        " return e && e.getAttribute('src') && e.getAttribute('src') !== old; }",
        arg=[IMAGE, old], timeout=30_000)


def _unit_in_readout(page):
    text = page.locator(READOUT).first.inner_text()
    m = re.search(r"unit\s+(\d+)", text, re.I)
    assert m, f"the readout names no unit: {text[:200]!r}"
    return int(m.group(1))


def test_feature_browser_unit_control_in_a_real_browser(lab_copy, page):
    open_notebook(page, lab_copy["url"], NOTEBOOK)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    select = page.locator(f"{BROWSER} .sae-unit-control select").first
    select.wait_for(state="visible", timeout=120_000)
    page.wait_for_function(ALL_RUN_JS, timeout=120_000)
    assert_no_widget_errors(page)
    page.locator(IMAGE).first.scroll_into_view_if_needed()

    # pick another unit in the dropdown: the card and the readout follow
    before_src, before_unit = _src(page), _unit_in_readout(page)
    values = select.evaluate("s => Array.from(s.options).map(o => o.textContent)")
    assert len(values) > 2, values
    target_label = values[2]
    target_unit = int(re.match(r"\s*(\d+)", target_label).group(1))
    assert target_unit != before_unit
    select.select_option(label=target_label)
    _wait_src_change(page, before_src)
    page.wait_for_function(
        "([sel, unit]) => new RegExp('unit\\\\s+' + unit + '\\\\b', 'i')"
        ".test(document.querySelector(sel).innerText)", arg=[READOUT, target_unit],
        timeout=30_000)

    # the "next" button steps to the following unit in the current order
    src = _src(page)
    page.locator(f"{BROWSER} button", has_text="next").first.click()
    _wait_src_change(page, src)
    assert _unit_in_readout(page) == int(re.match(r"\s*(\d+)", values[3]).group(1))
    assert_no_widget_errors(page)
    assert not [e for e in page.errors if "widget" in e.lower()], page.errors
