"""Every notebook as a learner first sees it in `make lab`: opened in JupyterLab (served as
`make lab` serves it, the repository root) in headless Chromium, not run, scrolled through.

For each of the nine notebooks: every picture loads (markdown images from ../images/ and
stored figures alike: natural width > 0), no request for a file or for content answers
4xx, and no stored widget fails to display ("Error displaying widget"). Opening a
notebook must not change it on disk.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from .conftest import ROOT, assert_no_widget_errors, open_notebook, shutdown_kernels

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

SCROLL_THROUGH_JS = """async () => {
    const w = window.jupyterapp.shell.currentWidget;
    const scroller = w.content.node;
    for (let y = 0; y <= scroller.scrollHeight; y += scroller.clientHeight / 2) {
        scroller.scrollTop = y;
        await new Promise(r => setTimeout(r, 40));
    }
    scroller.scrollTop = scroller.scrollHeight;
    return scroller.scrollHeight;
}"""

IMAGES_JS = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    return Array.from(w.content.node.querySelectorAll('img')).map(img => ({
        src: (img.getAttribute('src') || '').slice(0, 120),
        complete: img.complete, width: img.naturalWidth}));
}"""


def test_there_are_nine_notebooks():
    assert len(NOTEBOOKS) == 9, NOTEBOOKS


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_picture_and_widget_shows(lab, page, name):
    path = ROOT / "notebooks" / name
    before = _digest(path)
    nb = json.loads(path.read_text())
    markdown_images = sum(src.count("](../images/") + src.count('src="../images/')
                          for cell in nb["cells"] if cell["cell_type"] == "markdown"
                          for src in ["".join(cell["source"])])
    stored_pictures = sum(1 for cell in nb["cells"] for out in cell.get("outputs", [])
                          if "image/png" in out.get("data", {}))

    open_notebook(page, lab["url"], f"notebooks/{name}", kernel_idle=False)
    page.evaluate(SCROLL_THROUGH_JS)
    # wait until every picture has either loaded or failed
    page.wait_for_function(
        "() => Array.from(window.jupyterapp.shell.currentWidget.content.node"
        ".querySelectorAll('img')).every(i => i.complete)", timeout=60_000)
    images = page.evaluate(IMAGES_JS)
    broken = [img["src"] for img in images if img["width"] == 0]
    assert not broken, f"{name}: pictures that did not load: {broken}"
    from_files = [img for img in images if "images/" in img["src"] and
                  not img["src"].startswith("data:")]
    assert len(from_files) >= markdown_images, (
        f"{name}: {markdown_images} markdown image(s) from ../images/, "
        f"{len(from_files)} shown")
    assert len(images) >= stored_pictures, (
        f"{name}: {stored_pictures} stored figure(s), {len(images)} pictures on the page")
    bad = [(status, url) for status, url in page.bad_responses
           if "/files/" in url or "/api/contents/" in url]
    assert not bad, f"{name}: requests answered with an error: {bad}"
    assert_no_widget_errors(page)
    # the project's .jupyter/ settings switch JupyterLab's news prompt off (a classroom
    # does not want it); JupyterLab asks "...notified about official Jupyter news?"
    assert "Jupyter news" not in page.inner_text("body")
    shutdown_kernels(lab["url"])
    assert _digest(path) == before, f"opening {name} changed it on disk"
