"""The instruction pictures views show, served from the package and nowhere else."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from mlprep.errors import NotFoundError

# Names as the catalogue writes them: no path separators, no dot-dot, PNG only.
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.png$")


@dataclass(frozen=True)
class Image:
    """A picture and its entity tag."""

    name: str
    content: bytes
    etag: str


class ImageLibrary:
    """Loads the packaged images once; anything else is not found."""

    def __init__(self) -> None:
        folder = resources.files("mlprep.maintenance").joinpath("images")
        self._images: dict[str, Image] = {}
        for entry in folder.iterdir():
            if entry.is_file() and _SAFE_NAME.match(entry.name):
                content = entry.read_bytes()
                digest = hashlib.sha256(content).hexdigest()[:32]
                self._images[entry.name] = Image(entry.name, content, f'"{digest}"')

    def names(self) -> list[str]:
        """Every image name, sorted."""
        return sorted(self._images)

    def get(self, name: str) -> Image:
        """The image called `name` (exactly). Raises NotFoundError for anything else."""
        image = self._images.get(name)
        if image is None:
            raise NotFoundError(f"There is no maintenance image named '{name}'.")
        return image
