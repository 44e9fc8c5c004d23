"""Build the installable app for this operating system from the Python environment running this.

    python packaging/build.py             build, pack, then smoke-test the frozen app
    python packaging/build.py --no-test   build and pack only

The edition follows the torch installed in the environment: with the CPU-only wheels
(`pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu`) it is the small
classroom edition; with PyPI's default Linux/Windows wheels it is the CUDA edition.

Output in build/dist/:
  Linux    cnnstudio-VERSION-linux-ARCH.tar.gz: the app folder, install.sh, desktop file, icons
           and AppStream metadata (install.sh registers them for the current user)
  Windows  cnnstudio-VERSION-setup.exe: a per-user Inno Setup installer (no admin rights)
  macOS    cnnstudio-VERSION.dmg holding cnnstudio.app
The smoke test runs the frozen app's `selftest` offscreen and, on Linux, under Xvfb with Qt's
real xcb platform plugin, and reports the time from start to the window shown.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DIST = BUILD / "dist"
RESOURCES = ROOT / "resources"
APP_ID = "io.github.cnnstudio.cnnstudio"


def version() -> str:
    text = (ROOT / "cnnstudio" / "__init__.py").read_text()
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def freeze() -> Path:
    """PyInstaller's one-folder build: build/dist/cnnstudio/ (and cnnstudio.app on macOS)."""
    BUILD.mkdir(exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            str(ROOT / "packaging" / "cnnstudio.spec"),
            "--noconfirm",
            "--distpath",
            str(DIST),
            "--workpath",
            str(BUILD / "work"),
        ],
        check=True,
        cwd=BUILD,  # not the source tree: the installed cnnstudio is the one to freeze
    )
    return DIST / "cnnstudio"


def pack_linux(folder: Path) -> Path:
    name = f"cnnstudio-{version()}-linux-{platform.machine()}"
    stage = DIST / name
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    shutil.move(str(folder), stage / "cnnstudio")
    for file in (
        f"{APP_ID}.desktop",
        f"{APP_ID}.metainfo.xml",
        f"{APP_ID}.mime.xml",
        "cnnstudio.svg",
        "cnnstudio.png",
    ):
        shutil.copy2(RESOURCES / file, stage / file)
    shutil.copy2(ROOT / "packaging" / "linux" / "install.sh", stage / "install.sh")
    archive = DIST / f"{name}.tar.gz"
    if shutil.which("tar") and shutil.which("gzip"):  # gzip -1: several times faster on 1+ GB
        subprocess.run(
            ["tar", "-I", "gzip -1", "-cf", str(archive), "-C", str(DIST), name], check=True
        )
    else:
        with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
            tar.add(stage, arcname=name)
    return stage


def pack_windows(folder: Path) -> Path:
    compiler = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    subprocess.run(
        [
            compiler,
            f"/DAppVersion={version()}",
            f"/DSourceDir={folder}",
            f"/DOutputDir={DIST}",
            str(ROOT / "packaging" / "windows" / "cnnstudio.iss"),
        ],
        check=True,
    )
    return folder


def pack_macos(folder: Path) -> Path:
    image = DIST / f"cnnstudio-{version()}.dmg"
    subprocess.run(
        [
            "hdiutil",
            "create",
            "-volname",
            "cnnstudio",
            "-srcfolder",
            str(DIST / "cnnstudio.app"),
            "-ov",
            "-format",
            "UDZO",
            str(image),
        ],
        check=True,
    )
    return folder


def selftest(program: Path, platform_name: str, wrapper: list[str]) -> float:
    """Run the frozen app's self-test; return seconds from start to the window shown."""
    env = {**os.environ, "QT_QPA_PLATFORM": platform_name}
    started = time.perf_counter()
    process = subprocess.Popen(
        [*wrapper, str(program), "selftest"], stdout=subprocess.PIPE, text=True, env=env
    )
    shown = None
    for line in process.stdout:
        print(f"    {line.rstrip()}")
        if shown is None and "window shown" in line:
            shown = time.perf_counter() - started
    if process.wait() != 0 or shown is None:
        raise SystemExit(f"smoke test failed on the {platform_name} platform")
    return shown


def size_of(path: Path) -> str:
    """On disk: PyInstaller links duplicate libraries, so links are not counted twice."""
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return f"{total / 2**20:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-test", action="store_true", help="skip the smoke test")
    args = parser.parse_args()
    started = time.perf_counter()
    folder = freeze()
    built = time.perf_counter() - started
    if sys.platform.startswith("linux"):
        stage = pack_linux(folder)
        program = stage / "cnnstudio" / "cnnstudio"
    elif sys.platform == "win32":
        pack_windows(folder)
        program = folder / "cnnstudio-cli.exe"
    else:
        pack_macos(folder)
        program = folder / "cnnstudio-cli"
    print(f"\nBuilt in {built:.0f}s; the app folder holds {size_of(program.parent)}.")
    for package in sorted(DIST.glob("cnnstudio-*.*")):
        if package.is_file():
            print(f"  {package.name}: {package.stat().st_size / 2**20:,.0f} MiB")
    if args.no_test:
        return
    print("\nSmoke test, offscreen:")
    offscreen = selftest(program, "offscreen", [])
    print(f"  window shown {offscreen:.1f}s after start")
    if sys.platform.startswith("linux"):
        print("Smoke test, Xvfb with the xcb platform plugin:")
        xvfb = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24"]
        on_xcb = selftest(program, "xcb", xvfb)
        print(f"  window shown {on_xcb:.1f}s after start")
    print("Smoke tests passed.")


if __name__ == "__main__":
    main()
