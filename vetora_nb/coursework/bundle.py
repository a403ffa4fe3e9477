"""The package for students, without the solutions: a wheel, and the edition as one zip.

Students need ``vetora_nb`` to run the notebooks, but a clone of the
repository also holds ``notebooks/``, the instructor source with every
solution. :func:`build_wheel` builds the package alone — ``vetora_nb/`` and
its metadata, from a clean copy (no ``notebooks/``, no ``tests/``, no build
leftovers) — and :func:`build_zip` packs a student edition folder, wheel
included, into one file to hand out. ``make student`` does both.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

__all__ = ["build_wheel", "build_zip", "project_root"]


def project_root() -> Path:
    """The folder holding ``pyproject.toml`` and the package (the checkout the grader runs from)."""
    import vetora_nb

    root = Path(vetora_nb.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise FileNotFoundError(f"no pyproject.toml next to the package in {root}: build the wheel "
                                "from a checkout of the project")
    return root


def build_wheel(out: Path | str) -> Path:
    """Build the package's wheel into ``out`` and return its path."""
    out = Path(out)
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="vetora-wheel-") as tmp:
        clean = Path(tmp) / "src"
        clean.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(root / name, clean / name)
        shutil.copytree(root / "vetora_nb", clean / "vetora_nb",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(Path(tmp) / "dist")]
        try:   # both present: no need to fetch them for an isolated build
            import setuptools  # noqa: F401
            import wheel  # noqa: F401
            command.append("--no-build-isolation")
        except ImportError:
            pass
        proc = subprocess.run(command + [str(clean)], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"building the wheel failed:\n{proc.stderr.strip()[-2000:]}")
        built = sorted((Path(tmp) / "dist").glob("vetora_nb-*.whl"))
        if not built:
            raise RuntimeError("building the wheel made no vetora_nb-*.whl")
        out.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(built[-1], out / built[-1].name))


def build_zip(folder: Path | str, target: Path | str) -> Path:
    """``folder`` (a student edition) as the zip ``target``, under one top-level folder."""
    folder, target = Path(folder), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                zf.write(path, Path(folder.name) / path.relative_to(folder))
    return target
