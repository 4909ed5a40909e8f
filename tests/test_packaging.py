"""Packaging: pinned installs, pyproject.toml and environment.yml agree; the two commands and
CI are wired as the README says."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import lab  # noqa: E402  (scripts/lab.py, what `make lab` runs)


def _name(requirement):
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _extras(requirement):
    m = re.search(r"\[([^\]]*)\]", requirement)
    return {e.strip() for e in m.group(1).split(",")} if m else set()


def pyproject_requirements():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta.get("optional-dependencies", {}).values():
        reqs += extra
    return reqs


def pyproject_packages():
    names = {_name(r) for r in pyproject_requirements()}
    # dask[distributed] names the distributed package too
    names |= {e for r in pyproject_requirements() for e in _extras(r) if _name(r) == "dask"}
    return names


def lock_pins():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"requirements.lock line {line!r} is not an exact pin (name==version)"
        pins[_name(name)] = version.strip()
    return pins


def environment_entries():
    """({conda name: pinned version or None}, [pip lines]) from environment.yml."""
    entries, pip_section = {}, []
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
                spec = item[2:].strip()
                name = _name(spec)
                m = re.match(r"^[\w.-]+\s*=\s*([\w.]+)$", spec)
                entries[name] = m.group(1) if m else None
            elif in_pip:
                pip_section.append(item[2:].strip())
    return entries, pip_section


def test_lock_pins_every_dependency_pyproject_names():
    pins = lock_pins()
    missing = sorted(pyproject_packages() - set(pins))
    assert not missing, (f"requirements.lock does not pin {missing}; run `make lock` after "
                         "changing pyproject.toml's dependencies")


def test_lock_satisfies_pyproject_ranges():
    from packaging.requirements import Requirement

    pins = lock_pins()
    for req in map(Requirement, pyproject_requirements()):
        version = pins[_name(req.name)]
        assert req.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {req.name}=={version}, outside pyproject's {req}")


def test_environment_yml_names_and_pins_what_the_lock_pins():
    entries, pip = environment_entries()
    entries.pop("pip")
    python = entries.pop("python")
    assert python and re.fullmatch(r"3\.\d+", python), "environment.yml pins python=3.N"
    assert set(entries) == pyproject_packages()
    pins = lock_pins()
    for name, version in entries.items():
        assert version == pins[name], (f"environment.yml pins {name}={version} but "
                                       f"requirements.lock pins {pins[name]}")
    assert pip == ["-e ."]  # the project itself, from the repo (Binder installs it this way)


def test_environment_yml_is_conda_forge_only():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^channels:\n  - conda-forge\n(?!  -)", text, re.M)


def test_make_installs_the_pins_and_tests_both_thread_counts():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^LOCK\s*:= requirements\.lock$", makefile, re.M)
    assert re.search(r"^\$\(STAMP\): pyproject\.toml \$\(LOCK\)", makefile, re.M)
    assert re.search(r"pip install --quiet -c \$\(LOCK\) -e \"\.\[test\]\"", makefile)
    test_recipe = re.search(r"^test: \$\(STAMP\)\n((?:\t.*\n)+)", makefile, re.M).group(1)
    lines = test_recipe.strip().splitlines()
    assert lines[0].strip().startswith("$(BLAS_2) $(BIN)/python -m pytest tests notebooks $(NBVAL)")
    assert lines[1].strip().startswith("$(BLAS_1) $(BIN)/python -m pytest notebooks $(NBVAL)")
    assert re.search(r"^BLAS_1 := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1", makefile, re.M)
    assert re.search(r"^BLAS_2 := OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2", makefile, re.M)
    assert "--nbval-sanitize-with tests/nbval_sanitize.cfg" in makefile
    assert "OPENBLAS_CORETYPE" not in makefile
    assert "$(PYTHON) -m venv $(VENV)" in makefile
    assert re.search(r"^lock:", makefile, re.M)


def test_make_lab_serves_the_repository_root_and_opens_notebook_01():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: \$\(STAMP\)\n\t\$\(BIN\)/python scripts/lab\.py \$\(LAB_ARGS\)",
                     makefile, re.M)
    cmd, env = lab.lab_command(["--no-browser"])
    assert f"--ServerApp.root_dir={ROOT}" in cmd
    assert "--LabApp.default_url=/lab/tree/notebooks/01_autoencoders.ipynb" in cmd
    assert (ROOT / "notebooks" / "01_autoencoders.ipynb").exists()
    assert cmd[-1] == "--no-browser"
    assert str(ROOT / ".jupyter") in env["JUPYTER_CONFIG_PATH"].split(":")


def test_project_jupyter_config_switches_the_news_off():
    out = subprocess.run(
        [sys.executable, "-c",
         "from jupyter_server.services.config.manager import ConfigManager;"
         "import json;"
         "print(json.dumps(ConfigManager(config_dir_name='labconfig')"
         ".get('default_setting_overrides')))"],
        env=lab.lab_command()[1], capture_output=True, text=True, check=True).stdout
    import json

    overrides = json.loads(out)
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false" and notification["checkForUpdates"] is False
    server = json.loads((ROOT / ".jupyter" / "jupyter_server_config.json").read_text())
    assert server["LabApp"]["news_url"] is None


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().endswith("make test")
    assert "OPENBLAS_CORETYPE" not in ci
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def test_package_data_is_declared():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = meta["tool"]["setuptools"]["package-data"]["sae_lib"]
    shipped = {p.name for p in (ROOT / "sae_lib" / "data").iterdir()}
    for name in shipped:
        assert any(Path(name).match(p.split("/")[-1]) for p in patterns), name
