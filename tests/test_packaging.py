"""Packaging: pyproject.toml and environment.yml agree; the two commands and CI are wired."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement):
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_packages():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta.get("optional-dependencies", {}).values():
        reqs += extra
    return {_name(r) for r in reqs}


def environment_packages():
    names, pip_section = set(), []
    in_deps = in_pip = False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if not line.startswith(" "):
            in_deps = stripped == "dependencies:"
            in_pip = False
            continue
        if in_deps:
            item = stripped.strip()
            if item == "- pip:":
                in_pip = True
                continue
            if line.startswith("  - "):
                in_pip = False
                names.add(_name(item[2:]))
            elif in_pip:
                pip_section.append(item[2:].strip())
    return names - {"python", "pip"}, pip_section


def test_environment_yml_names_the_same_packages_as_pyproject():
    conda, pip = environment_packages()
    assert conda == pyproject_packages()
    assert pip == ["-e ."]  # the project itself, from the repo (Binder installs it this way)


def test_environment_yml_is_conda_forge_only():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^channels:\n  - conda-forge\n(?!  -)", text, re.M)


def test_make_targets_and_ci():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: \$\(STAMP\)\n\t\$\(BIN\)/jupyter lab notebooks \$\(LAB_ARGS\)", makefile, re.M)
    assert re.search(r"^test: \$\(STAMP\)\n\t\$\(TEST_ENV\) \$\(BIN\)/python -m pytest tests notebooks "
                     r"--nbval --nbval-current-env", makefile, re.M)
    assert "OPENBLAS_NUM_THREADS=2" in makefile
    assert "$(PYTHON) -m venv $(VENV)" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().endswith("make test")
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def test_package_data_is_declared():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = meta["tool"]["setuptools"]["package-data"]["sae_lib"]
    shipped = {p.name for p in (ROOT / "sae_lib" / "data").iterdir()}
    for name in shipped:
        assert any(Path(name).match(p.split("/")[-1]) for p in patterns), name
