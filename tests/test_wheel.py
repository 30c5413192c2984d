"""The wheel works anywhere: built from the repository, installed into a fresh virtualenv outside it, and run there.

pip resolves the dependencies as a user's pip would (its cache makes the second run quick); nothing of the
repository is on the path: the packaged queries, ontology, shapes, view templates and examples must be in
the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args, cwd: Path, env: dict, timeout: int = 600) -> str:
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r.stdout + r.stderr


def test_the_wheel_installs_into_a_fresh_virtualenv_and_runs_outside_the_repository(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "KG_STORE", "KG_ENDPOINT")}
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, ROOT], tmp_path, env)
    (wheel,) = dist.glob("codekg-*.whl")

    home = tmp_path / "elsewhere"
    home.mkdir()
    venv.EnvBuilder(with_pip=True, clear=True).create(home / "venv")
    bin_dir = home / "venv" / "bin"
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    _run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel], home, env)

    where = _run([bin_dir / "python", "-c", "import kg, pandas, pyarrow; print(kg.__file__)"], home, env)
    assert str(home / "venv") in where and str(ROOT) not in where
    assert _run([bin_dir / "kg", "--version"], home, env).strip() == "kg, version 0.1.0"

    out = _run([bin_dir / "kg", "build", "--examples", "--store", "store"], home, env)
    assert "10" in out
    monitors = _run([bin_dir / "kg", "query", "monitors", "-p", "code=77013", "--store", "store"], home, env)
    assert "49405" in monitors and "77013.txt" in monitors
    _run([bin_dir / "kg", "view", "77013", "-o", "77013.html", "--store", "store"], home, env)
    page = (home / "77013.html").read_text(encoding="utf-8")
    assert "49405" in page and "<script" in page
    tables = home / "tables"
    _run([bin_dir / "kg", "export", "--format", "parquet", "-o", tables, "--store", "store"], home, env)
    assert (tables / "edges.parquet").stat().st_size > 0
