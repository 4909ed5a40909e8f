"""`make student`: the notebooks with solutions removed and outputs cleared.

Checked twice: on a small notebook written here (so the test can never pass for want of
solution cells) and on every notebooks/NN_*.ipynb that exists.
"""

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_student  # noqa: E402

REAL_NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def synthetic_notebook():
    executed = new_code_cell("x = 1\nprint(x)", execution_count=1,
                             outputs=[new_output("stream", name="stdout", text="1\n")])
    executed.metadata["execution"] = {"iopub.execute_input": "2024-01-01T00:00:00Z"}
    solution = tagged(new_code_cell(
        "def kl_divergence(rho, rho_hat):\n    return 'SECRET_SOLUTION_CODE'\n"
        "check_kl_divergence(kl_divergence)", execution_count=4,
        outputs=[new_output("stream", name="stdout", text="✓ all checks passed\n")]),
        "solution")
    solution.metadata["jupyter"] = {"source_hidden": True}
    nb = new_notebook(cells=[
        new_markdown_cell("# Title\n![diagram](../images/network_diagram.png)"),
        executed,
        new_markdown_cell("## Exercise 1\nImplement `kl_divergence`."),
        tagged(new_code_cell("def kl_divergence(rho, rho_hat):\n    # your code here\n"
                             "    raise NotImplementedError", execution_count=2), "exercise"),
        new_code_cell("check_kl_divergence(kl_divergence)", execution_count=3,
                      outputs=[new_output("stream", name="stdout", text="✗ not implemented\n")]),
        tagged(new_markdown_cell("**Solution** -- SECRET_SOLUTION_NOTE"), "solution"),
        solution,
        tagged(new_code_cell("plt.plot([1, 2]);", execution_count=5, outputs=[
            new_output("display_data", data={"image/png": "iVBORw0KGgo="})]),
            "nbval-ignore-output"),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


@pytest.fixture
def synthetic(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    nbformat.write(synthetic_notebook(), src / "01_synthetic.ipynb")
    nbformat.write(synthetic_notebook(), src / "scratch.ipynb")      # not NN_*: not copied
    out = tmp_path / "student"
    out.mkdir()
    nbformat.write(synthetic_notebook(), out / "99_removed.ipynb")   # stale copy
    (out / "notes.txt").write_text("instructor's own file")
    before = (src / "01_synthetic.ipynb").read_bytes()
    written = make_student.make_student(out, src)
    assert (src / "01_synthetic.ipynb").read_bytes() == before     # source untouched
    return src, out, written


def test_synthetic_solutions_removed_and_outputs_cleared(synthetic):
    src, out, written = synthetic
    assert written == [out / "01_synthetic.ipynb"]
    assert sorted(p.name for p in out.iterdir()) == ["01_synthetic.ipynb", "notes.txt"]
    text = (out / "01_synthetic.ipynb").read_text()
    assert "SECRET_SOLUTION" not in text
    nb = nbformat.read(out / "01_synthetic.ipynb", as_version=4)
    nbformat.validate(nb)
    assert [c.source for c in nb.cells] == [
        c.source for c in synthetic_notebook().cells if "solution" not in c.metadata.get("tags", [])]
    assert [c.metadata.get("tags") for c in nb.cells if c.metadata.get("tags")] == [
        ["exercise"], ["nbval-ignore-output"]]
    for cell in nb.cells:
        assert "execution" not in cell.metadata
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert "widgets" not in nb.metadata
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_command_line_writes_to_the_given_folder(tmp_path, capsys):
    written = make_student.main(["--out", str(tmp_path / "s")])
    assert [p.name for p in written] == [p.name for p in REAL_NOTEBOOKS]
    assert f"{len(REAL_NOTEBOOKS)} notebook(s) without solutions" in capsys.readouterr().out


def test_default_folder_sits_beside_notebooks_and_is_ignored_by_git():
    assert make_student.DEFAULT_OUT == ROOT / "student"
    assert make_student.DEFAULT_OUT.parent == make_student.NOTEBOOKS.parent
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "student/" in ignored or "/student/" in ignored


def test_make_student_target_runs_the_script():
    # Read the Makefile rather than run make, which a conda/Binder setup may not have.
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M)
    assert phony and "student" in phony.group(1).split()
    rule = re.search(r"^student: *\$\(STAMP\)\n((?:\t.*\n)+)", makefile, re.M)
    assert rule, "no `student: $(STAMP)` rule"
    assert "$(BIN)/python scripts/make_student.py" in rule.group(1)


# --- the real notebooks --------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    make_student.make_student(out)
    return out


def is_solution(cell):
    return "solution" in cell.metadata.get("tags", [])


LINK = re.compile(r"\]\(([^)\s]+)\)|src=\"([^\"]+)\"")


def test_real_notebooks_have_solutions_to_remove():
    # Guards against vacuous success below: the series has revealable solutions.
    assert REAL_NOTEBOOKS
    assert sum(is_solution(c) for p in REAL_NOTEBOOKS
               for c in nbformat.read(p, as_version=4).cells) >= 4


def test_every_real_notebook_is_stripped(real):
    assert sorted(p.name for p in real.glob("*.ipynb")) == [p.name for p in REAL_NOTEBOOKS]
    for path in REAL_NOTEBOOKS:
        original = nbformat.read(path, as_version=4)
        student = nbformat.read(real / path.name, as_version=4)
        nbformat.validate(student)
        kept = [c for c in original.cells if not is_solution(c)]
        solutions = [c.source for c in original.cells if is_solution(c)]
        assert [c.source for c in student.cells] == [c.source for c in kept], path.name
        assert not any(is_solution(c) for c in student.cells), path.name
        for sol in solutions:
            assert all(sol.strip() not in c.source for c in student.cells), (path.name, sol)
        for cell in student.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name
        assert "widgets" not in student.metadata, path.name
        # each exercise stub and the checker cell after it survive
        n_exercises = sum("exercise" in c.metadata.get("tags", []) for c in original.cells)
        stubs = [i for i, c in enumerate(student.cells)
                 if "exercise" in c.metadata.get("tags", [])]
        assert len(stubs) == n_exercises, path.name
        for i in stubs:
            # the checker follows the stub; a collapsed hint may stand between them
            j = i + 1
            while "hint" in student.cells[j].metadata.get("tags", []):
                j += 1
            assert "check_" in student.cells[j].source, (path.name, i)


def test_relative_links_resolve_from_the_student_folder(real):
    copied = {p.name for p in REAL_NOTEBOOKS}
    for path in REAL_NOTEBOOKS:
        student = nbformat.read(real / path.name, as_version=4)
        for cell in student.cells:
            if cell.cell_type != "markdown":
                continue
            for groups in LINK.findall(cell.source):
                target = (groups[0] or groups[1]).split("#")[0]
                if not target or re.match(r"^[a-z]+:", target):
                    continue
                if not (path.parent / target).exists():
                    continue            # broken in notebooks/ too: not this tool's doing
                assert target in copied or (make_student.DEFAULT_OUT / target).resolve().exists(), \
                    (path.name, target)
