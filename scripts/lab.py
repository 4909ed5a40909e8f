"""Start JupyterLab on the series: `make lab` runs this, and so does the browser test.

The server's root is the repository, so that the notebooks' pictures in ../images/ load
(a server cannot serve files above its root); JupyterLab opens on the first notebook, with
the notebooks/ folder in its file browser. The project's Jupyter settings in .jupyter/
(added to JUPYTER_CONFIG_PATH) switch off JupyterLab's news prompt and update checks --
a classroom does not want them. Extra arguments go to JupyterLab (`make lab LAB_ARGS=...`).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_NOTEBOOK = "notebooks/01_autoencoders.ipynb"


def lab_command(extra_args=(), root=ROOT):
    """The JupyterLab command line and environment `make lab` uses.

    ``root`` is the folder served: the repository (a test may serve a copy of it).
    """
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
           f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}", *extra_args]
    config_path = os.pathsep.join(p for p in (str(ROOT / ".jupyter"),
                                              os.environ.get("JUPYTER_CONFIG_PATH")) if p)
    env = dict(os.environ, JUPYTER_CONFIG_PATH=config_path)
    return cmd, env


def main(argv):
    cmd, env = lab_command(argv)
    os.chdir(ROOT)
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main(sys.argv[1:])
