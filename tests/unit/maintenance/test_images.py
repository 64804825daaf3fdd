"""The instruction pictures of the maintenance views: present, valid PNGs, and up to date."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parents[3]
MAINTENANCE = ROOT / "src" / "mlprep" / "maintenance"
CATALOGUE = MAINTENANCE / "catalogue.yaml"
IMAGES = MAINTENANCE / "images"
SCRIPT = ROOT / "scripts" / "draw_images.py"


def catalogue_images() -> list[str]:
    """Every image a view of the catalogue names, plus the one Error views show."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    names = {
        step["view"]["image"]
        for procedure in data["procedures"]
        for step in procedure["steps"]
        if "image" in step.get("view", {})
    }
    return sorted(names | {"maintenance-error.png"})


@pytest.fixture(scope="module")
def draw_images() -> Iterator[ModuleType]:
    """scripts/draw_images.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("draw_images", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.mark.parametrize("name", catalogue_images())
def test_image_is_a_png_of_a_legible_size(name: str) -> None:
    path = IMAGES / name
    assert path.is_file(), f"{path} is missing: run `make images`"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width >= 480 and image.height >= 320, image.size


def test_the_script_draws_exactly_the_committed_pictures(
    draw_images: ModuleType, tmp_path: Path
) -> None:
    # Bytes are not compared: another Pillow or FreeType renders text a little differently.
    written = draw_images.draw_all(tmp_path)

    assert sorted(path.name for path in written) == catalogue_images()
    assert sorted(path.name for path in IMAGES.glob("*.png")) == catalogue_images()
    for path in written:
        with Image.open(path) as fresh, Image.open(IMAGES / path.name) as committed:
            assert fresh.size == committed.size, path.name


def test_drawing_twice_gives_the_same_bytes(draw_images: ModuleType, tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in draw_images.draw_all(tmp_path / "first")}
    second = {p.name: p.read_bytes() for p in draw_images.draw_all(tmp_path / "second")}

    assert first == second


def test_an_image_without_a_drawing_is_refused(draw_images: ModuleType, tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(
        "procedures:\n"
        "  - steps:\n"
        "      - view: {title: Polish, message: Polish it., image: polish-the-lid.png}\n",
        encoding="utf-8",
    )

    with pytest.raises(draw_images.MissingDrawingError, match="polish-the-lid.png"):
        draw_images.draw_all(tmp_path / "out", catalogue)
