"""Draw the instruction pictures that the maintenance views show.

Reads `src/mlprep/maintenance/catalogue.yaml`, draws one PNG per distinct `image:` name found in
it (plus `maintenance-error.png`, shown by Error views) and writes them into
`src/mlprep/maintenance/images/`. Every picture has the view's title at the top, a simple
schematic drawing in the middle and the view's message wrapped underneath.

The output is deterministic (same bytes on every run, no timestamps in the PNG metadata), so the
committed files only change when the drawing changes. Run with `make images` or

    .venv/bin/python scripts/draw_images.py
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
MAINTENANCE = ROOT / "src" / "mlprep" / "maintenance"
CATALOGUE = MAINTENANCE / "catalogue.yaml"
IMAGES = MAINTENANCE / "images"

ERROR_IMAGE = "maintenance-error.png"
ERROR_TITLE = "Maintenance error"
ERROR_MESSAGE = (
    "A maintenance step failed. See the error message for the cause and what to do next."
)

WIDTH, HEIGHT = 640, 400
SCALE = 2  # drawn at twice the size, then scaled down: smooth edges without anti-aliasing support
MARGIN = 24
# Layout (logical pixels): title band y 0–70, schematic drawing y 78–296, message y 306–392.
MESSAGE_TOP, MESSAGE_BOTTOM = 306, 392

Point = tuple[float, float]
Box = tuple[float, float, float, float]
Colour = tuple[int, int, int]

BACKGROUND: Colour = (255, 255, 255)
INK: Colour = (38, 50, 56)
TEXT: Colour = (55, 71, 79)
MUTED: Colour = (120, 134, 142)
RULE: Colour = (207, 216, 220)
DECK: Colour = (224, 229, 232)
SLOT: Colour = (247, 249, 250)
METAL: Colour = (176, 190, 197)
METAL_LIGHT: Colour = (207, 216, 220)
ACCENT: Colour = (21, 101, 192)
ACCENT_LIGHT: Colour = (227, 242, 253)
GOOD: Colour = (46, 125, 50)
WARNING: Colour = (255, 193, 7)
DANGER: Colour = (198, 40, 40)
UV: Colour = (106, 27, 154)
UV_LIGHT: Colour = (237, 231, 246)
CLOTH: Colour = (255, 253, 231)
PLATE: Colour = (187, 222, 251)
TIPS: Colour = (255, 236, 179)
RESERVOIR: Colour = (200, 230, 201)


# --- drawing primitives ---------------------------------------------------------------------


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's built-in scalable font at `size` logical pixels (no system fonts needed)."""
    loaded = ImageFont.load_default(size=size * SCALE)
    if not isinstance(loaded, ImageFont.FreeTypeFont):
        raise SystemExit("draw_images: Pillow was built without FreeType; cannot draw sharp text.")
    return loaded


def rotate(points: Sequence[Point], centre: Point, degrees: float) -> list[Point]:
    """`points` turned by `degrees` (clockwise on screen) around `centre`."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy = centre
    return [
        (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
        for x, y in points
    ]


class Canvas:
    """A 640×400 picture in logical pixels, drawn at SCALE times the size for smooth edges."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    def _xy(points: Sequence[Point]) -> list[Point]:
        return [(x * SCALE, y * SCALE) for x, y in points]

    @staticmethod
    def _box(box: Box) -> Box:
        return (box[0] * SCALE, box[1] * SCALE, box[2] * SCALE, box[3] * SCALE)

    def line(self, points: Sequence[Point], colour: Colour = INK, width: float = 3) -> None:
        self.draw.line(self._xy(points), fill=colour, width=round(width * SCALE), joint="curve")

    def rect(
        self,
        box: Box,
        fill: Colour | None = None,
        outline: Colour | None = INK,
        width: float = 3,
        radius: float = 0,
    ) -> None:
        self.draw.rounded_rectangle(
            self._box(box),
            radius=radius * SCALE,
            fill=fill,
            outline=outline,
            width=round(width * SCALE),
        )

    def dashed_rect(
        self, box: Box, colour: Colour = MUTED, width: float = 2, dash: float = 7
    ) -> None:
        x0, y0, x1, y1 = box
        for start, end in [
            ((x0, y0), (x1, y0)),
            ((x1, y0), (x1, y1)),
            ((x1, y1), (x0, y1)),
            ((x0, y1), (x0, y0)),
        ]:
            length = math.dist(start, end)
            for i in range(0, int(length // dash), 2):
                a, b = i * dash / length, min((i + 1) * dash / length, 1.0)
                p = (start[0] + (end[0] - start[0]) * a, start[1] + (end[1] - start[1]) * a)
                q = (start[0] + (end[0] - start[0]) * b, start[1] + (end[1] - start[1]) * b)
                self.line([p, q], colour, width)

    def ellipse(
        self, box: Box, fill: Colour | None = None, outline: Colour | None = INK, width: float = 3
    ) -> None:
        self.draw.ellipse(self._box(box), fill=fill, outline=outline, width=round(width * SCALE))

    def circle(
        self,
        centre: Point,
        radius: float,
        fill: Colour | None = None,
        outline: Colour | None = INK,
        width: float = 3,
    ) -> None:
        x, y = centre
        self.ellipse((x - radius, y - radius, x + radius, y + radius), fill, outline, width)

    def arc(
        self, box: Box, start: float, end: float, colour: Colour = INK, width: float = 3
    ) -> None:
        self.draw.arc(self._box(box), start, end, fill=colour, width=round(width * SCALE))

    def polygon(
        self,
        points: Sequence[Point],
        fill: Colour | None = None,
        outline: Colour | None = INK,
        width: float = 3,
    ) -> None:
        self.draw.polygon(self._xy(points), fill=fill)
        if outline is not None:
            self.line([*points, points[0], points[1]], outline, width)

    def arrow(
        self, start: Point, end: Point, colour: Colour = ACCENT, width: float = 6, head: float = 18
    ) -> None:
        angle = math.atan2(end[1] - start[1], end[0] - start[0])
        back = (end[0] - head * math.cos(angle), end[1] - head * math.sin(angle))
        self.line([start, back], colour, width)
        left = (back[0] + head * 0.6 * math.sin(angle), back[1] - head * 0.6 * math.cos(angle))
        right = (back[0] - head * 0.6 * math.sin(angle), back[1] + head * 0.6 * math.cos(angle))
        self.polygon([end, left, right], fill=colour, outline=None)

    def text(
        self,
        xy: Point,
        text: str,
        size: int,
        colour: Colour = INK,
        anchor: str = "la",
        bold: bool = False,
    ) -> None:
        self.draw.text(
            (xy[0] * SCALE, xy[1] * SCALE),
            text,
            font=font(size),
            fill=colour,
            anchor=anchor,
            stroke_width=SCALE if bold else 0,
            stroke_fill=colour,
        )

    def text_width(self, text: str, size: int) -> float:
        return self.draw.textlength(text, font=font(size)) / SCALE

    def finish(self) -> Image.Image:
        return self.image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)


# --- shared parts of the drawings -------------------------------------------------------------


def deck(c: Canvas, box: Box, highlight: int | None = None) -> list[Box]:
    """Top view of the deck: a plate with positions 1–6 (back row 1–3). Returns the positions."""
    c.rect(box, fill=DECK, width=3, radius=10)
    x0, y0, x1, y1 = box
    inset, gap, cols, rows = 14, 10, 3, 2
    w = (x1 - x0 - 2 * inset - (cols - 1) * gap) / cols
    h = (y1 - y0 - 2 * inset - (rows - 1) * gap) / rows
    slots: list[Box] = []
    for row in range(rows):
        for col in range(cols):
            sx, sy = x0 + inset + col * (w + gap), y0 + inset + row * (h + gap)
            slots.append((sx, sy, sx + w, sy + h))
    for number, slot in enumerate(slots, start=1):
        lit = number == highlight
        c.rect(
            slot,
            fill=ACCENT_LIGHT if lit else SLOT,
            outline=ACCENT if lit else MUTED,
            width=3 if lit else 2,
            radius=4,
        )
        c.text(
            (slot[0] + 6, slot[1] + 4),
            str(number),
            14 if not lit else 16,
            ACCENT if lit else MUTED,
            bold=lit,
        )
    return slots


def inset(box: Box, by: float) -> Box:
    return (box[0] + by, box[1] + by, box[2] - by, box[3] - by)


def centre(box: Box) -> Point:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def grid(box: Box, cols: int, rows: int) -> Iterator[Point]:
    """Centres of a cols × rows grid of cells filling `box`."""
    w, h = (box[2] - box[0]) / cols, (box[3] - box[1]) / rows
    for row in range(rows):
        for col in range(cols):
            yield box[0] + (col + 0.5) * w, box[1] + (row + 0.5) * h


def plate(c: Canvas, box: Box) -> None:
    c.rect(box, fill=PLATE, width=2, radius=4)
    for point in grid(inset(box, 6), 6, 4):
        c.circle(point, 3.2, fill=BACKGROUND, outline=ACCENT, width=1.5)


def tip_rack(c: Canvas, box: Box) -> None:
    c.rect(box, fill=TIPS, width=2, radius=4)
    for point in grid(inset(box, 6), 6, 4):
        c.circle(point, 4, fill=BACKGROUND, outline=(191, 144, 0), width=1.5)
        c.circle(point, 1.2, fill=(191, 144, 0), outline=None)


def reservoir(c: Canvas, box: Box) -> None:
    c.rect(box, fill=RESERVOIR, width=2, radius=4)
    c.rect(inset(box, 9), fill=(129, 199, 132), outline=GOOD, width=1.5, radius=6)


def calibration_tool(c: Canvas, box: Box) -> None:
    """A plate-sized metal block with two locating pins and a target in the middle."""
    c.rect(box, fill=METAL, width=2.5, radius=5)
    x0, y0, x1, y1 = box
    cx, cy = centre(box)
    for px in (x0 + 14, x1 - 14):
        c.circle((px, y0 + 14), 6, fill=METAL_LIGHT, width=2)
        c.circle((px, y0 + 14), 2, fill=INK, outline=None)
    c.circle((cx, cy + 4), 15, fill=BACKGROUND, width=2)
    c.circle((cx, cy + 4), 6, fill=None, outline=DANGER, width=2)
    c.line([(cx - 20, cy + 4), (cx + 20, cy + 4)], INK, 1.5)
    c.line([(cx, cy - 16), (cx, cy + 24)], INK, 1.5)


def tip(c: Canvas, at: Point, degrees: float = 0, length: float = 24) -> None:
    """A disposable tip, its wide end at `at`, pointing down before rotation."""
    x, y = at
    shape = [(x - 5, y), (x + 5, y), (x + 1.2, y + length), (x - 1.2, y + length)]
    c.polygon(rotate(shape, at, degrees), fill=TIPS, outline=INK, width=1.5)


def tip_bin(c: Canvas, top: Point, tips: bool, degrees: float = 0) -> None:
    """The tip waste container: a tub 110 wide and 66 deep whose top edge is centred on `top`."""
    x, y = top
    tub = [(x - 55, y), (x + 55, y), (x + 44, y + 66), (x - 44, y + 66)]
    if tips:
        for dx, dy, turn in [
            (-30, 30, -25),
            (-12, 28, 15),
            (8, 32, -10),
            (26, 28, 30),
            (-20, 20, 70),
            (14, 22, -60),
            (36, 18, 50),
            (-38, 14, -40),
            (0, 12, 95),
        ]:
            tip(c, rotate([(x + dx, y + dy)], top, degrees)[0], degrees + turn, 22)
    c.polygon(rotate(tub, top, degrees), fill=None, outline=INK, width=3.5)
    rim = [(x - 58, y), (x + 58, y)]
    c.line(rotate(rim, top, degrees), INK, 6)


def bottle(c: Canvas, box: Box, label: Sequence[str], cap: Colour, size: int = 15) -> None:
    """A wash bottle with a paper label."""
    x0, y0, x1, y1 = box
    cx = (x0 + x1) / 2
    c.rect((cx - 12, y0, cx + 12, y0 + 20), fill=cap, width=2.5, radius=3)
    c.rect((cx - 18, y0 + 18, cx + 18, y0 + 36), fill=SLOT, width=2.5, radius=2)
    c.rect((x0, y0 + 34, x1, y1), fill=(236, 239, 241), width=3, radius=14)
    tag = (x0 + 8, y0 + 64, x1 - 8, y0 + 64 + 14 + len(label) * (size + 5))
    c.rect(tag, fill=BACKGROUND, width=1.5, radius=3)
    for i, text in enumerate(label):
        c.text((cx, tag[1] + 9 + i * (size + 5)), text, size, INK, "mt")


def cloth(c: Canvas, box: Box, degrees: float = 0) -> None:
    """A folded lint-free cloth, `box` before rotation."""
    x0, y0, x1, y1 = box
    mid = centre(box)
    c.polygon(
        rotate([(x0, y0 + 6), (x1 - 6, y0), (x1, y1 - 6), (x0 + 6, y1)], mid, degrees),
        fill=CLOTH,
        outline=INK,
        width=2.5,
    )
    for i in range(1, 4):
        f = i / 4
        c.line(
            rotate(
                [(x0 + 4 + (x1 - x0 - 10) * f, y0 + 4), (x0 + 6 + (x1 - x0 - 10) * f, y1 - 4)],
                mid,
                degrees,
            ),
            RULE,
            1.5,
        )


def step_label(c: Canvas, at: Point, number: int, text: str) -> None:
    """A numbered step caption centred on `at`."""
    width = 30 + c.text_width(text, 17)
    x, y = at[0] - width / 2, at[1]
    c.circle((x + 12, y), 12, fill=ACCENT, outline=None)
    c.text((x + 12, y), str(number), 15, BACKGROUND, "mm", bold=True)
    c.text((x + 30, y), text, 17, INK, "lm")


# --- one function per picture -----------------------------------------------------------------


def draw_clear_deck(c: Canvas) -> None:
    slots = deck(c, (30, 84, 362, 292))
    for number in (1, 3, 5):
        x0, y0, x1, y1 = slots[number - 1]
        c.dashed_rect((x0 + 24, y0 + 12, x1 - 10, y1 - 10))
    c.arrow((300, 188), (452, 188), width=9, head=26)
    plate(c, (472, 88, 582, 152))
    tip_rack(c, (472, 158, 582, 222))
    reservoir(c, (472, 228, 582, 292))


def draw_empty_tip_waste(c: Canvas) -> None:
    for x in (220, 420):
        c.line([(x, 92), (x, 270)], RULE, 2)
    # 1: take the full container out of its slot
    c.line([(56, 178), (56, 250), (184, 250), (184, 178)], MUTED, 5)
    tip_bin(c, (120, 100), tips=True)
    c.arrow((200, 240), (200, 106), width=6)
    step_label(c, (120, 278), 1, "Take out")
    # 2: tip it out over the waste
    tip_bin(c, (330, 152), tips=False, degrees=160)
    for x, y, turn in [(300, 176, 20), (326, 190, -30), (348, 174, 60)]:
        tip(c, (x, y), turn, 16)
    c.polygon([(276, 212), (376, 212), (368, 262), (284, 262)], fill=RULE, outline=INK, width=3)
    c.line([(270, 212), (382, 212)], INK, 5)
    step_label(c, (320, 278), 2, "Empty")
    # 3: put the empty container back
    c.line([(456, 178), (456, 250), (584, 250), (584, 178)], MUTED, 5)
    tip_bin(c, (520, 174), tips=False)
    c.arrow((520, 96), (520, 162), width=6)
    step_label(c, (520, 278), 3, "Put back")


def draw_wipe_deck(c: Canvas) -> None:
    deck(c, (30, 84, 390, 292))
    path = [(70, 112), (120, 262), (180, 112), (240, 262), (300, 112), (350, 250)]
    c.line(path[:-1], ACCENT, 5)
    c.arrow(path[-2], path[-1], width=5, head=20)
    cloth(c, (200, 152, 282, 212), degrees=-18)
    bottle(c, (446, 96, 526, 292), ["70 %", "ethanol"], cap=ACCENT)
    c.circle((576, 124), 26, fill=ACCENT, outline=None)
    c.text((577, 125), "?", 34, BACKGROUND, "mm", bold=True)


def adapter(c: Canvas, cx: float, name: str) -> None:
    """One pipetting channel seen from the front, ending in its tip adapter."""
    c.rect((cx - 36, 84, cx + 36, 146), fill=METAL_LIGHT, width=3, radius=6)
    c.rect((cx - 15, 146, cx + 15, 232), fill=METAL, width=3)
    c.polygon([(cx - 15, 232), (cx + 15, 232), (cx + 7, 262), (cx - 7, 262)], fill=METAL, width=3)
    for y in (176, 190):
        c.line([(cx - 17, y), (cx + 17, y)], INK, 3)
    c.text((cx, 284), name, 18, INK, "mm", bold=True)


def draw_clean_tip_adapters(c: Canvas) -> None:
    for cx, name in [(130, "Front"), (310, "Rear")]:
        adapter(c, cx, name)
        c.line([(cx + 50, 168), (cx + 50, 240)], ACCENT, 5)
        c.arrow((cx + 50, 200), (cx + 50, 152), width=5, head=16)
        c.arrow((cx + 50, 200), (cx + 50, 256), width=5, head=16)
    cloth(c, (92, 196, 168, 246), degrees=-8)
    bottle(c, (470, 96, 560, 292), ["cleaning", "agent"], cap=GOOD)
    for x, y in [(440, 170), (426, 196)]:
        c.polygon([(x, y - 12), (x + 6, y), (x - 6, y)], fill=ACCENT, outline=None)
        c.circle((x, y + 2), 6, fill=ACCENT, outline=None)


def draw_cleaning_agent_lot(c: Canvas) -> None:
    bottle(c, (50, 92, 150, 292), ["Cleaning", "agent"], cap=GOOD)
    c.rect((56, 222, 144, 250), fill=BACKGROUND, outline=ACCENT, width=2.5, radius=3)
    c.text((100, 236), "LOT A1234", 13, INK, "mm", bold=True)
    c.arrow((172, 190), (262, 190), width=8, head=24)
    c.text((284, 122), "Lot number", 18, TEXT)
    c.rect((284, 146, 590, 200), fill=BACKGROUND, outline=ACCENT, width=3, radius=6)
    c.text((300, 173), "A1234", 26, INK, "lm")
    cursor = 304 + c.text_width("A1234", 26)
    c.line([(cursor, 156), (cursor, 190)], INK, 2.5)
    c.rect((490, 226, 590, 266), fill=ACCENT, outline=None, radius=6)
    c.text((540, 246), "Ok", 20, BACKGROUND, "mm", bold=True)


def uv_symbol(c: Canvas, at: Point, radius: float) -> None:
    x, y = at
    for i in range(12):
        angle = math.radians(i * 30)
        inner, outer = radius + 6, radius + 18
        c.line(
            [
                (x + inner * math.cos(angle), y + inner * math.sin(angle)),
                (x + outer * math.cos(angle), y + outer * math.sin(angle)),
            ],
            UV,
            4,
        )
    c.circle(at, radius, fill=UV, outline=None)
    c.text((x, y + 1), "UV", 26, BACKGROUND, "mm", bold=True)


def clock(c: Canvas, at: Point, radius: float) -> None:
    x, y = at
    c.circle(at, radius, fill=BACKGROUND, width=3)
    c.line([(x, y - radius + 6), (x, y), (x + radius - 9, y)], INK, 3)


def draw_close_front_door(c: Canvas) -> None:
    c.rect((40, 84, 390, 292), fill=(236, 239, 241), width=3, radius=10)
    c.rect((64, 108, 366, 276), fill=UV_LIGHT, outline=INK, width=2, radius=4)
    c.rect((110, 118, 320, 132), fill=UV, outline=None, radius=7)
    for x in range(124, 320, 28):
        c.line([(x, 140), (x - 8, 162)], UV, 3)
    # the door, still half open, coming down in front of the work area
    c.rect((58, 100, 372, 204), fill=None, outline=ACCENT, width=5, radius=4)
    c.line([(90, 190), (150, 112)], (144, 202, 249), 3)
    c.line([(120, 190), (180, 112)], (144, 202, 249), 3)
    c.rect((185, 194, 245, 202), fill=ACCENT, outline=None, radius=3)
    for x in (130, 300):
        c.arrow((x, 212), (x, 268), width=8, head=22)
    uv_symbol(c, (500, 140), 34)
    clock(c, (466, 250), 22)
    c.text((498, 250), "15 min", 22, INK, "lm", bold=True)


def filter_cartridge(c: Canvas, box: Box, fill: Colour, pleats: Colour) -> None:
    c.rect(box, fill=fill, width=4, radius=4)
    x0, y0, x1, y1 = inset(box, 8)
    folds = 7
    points = [(x0 + (x1 - x0) * i / folds, y0 if i % 2 == 0 else y1) for i in range(folds + 1)]
    c.line(points, pleats, 3)


def gauge(c: Canvas, at: Point, radius: float) -> None:
    """A pressure gauge with its needle in the red zone."""
    x, y = at
    box = (x - radius, y - radius, x + radius, y + radius)
    for start, end, colour in [(180, 250, GOOD), (250, 300, WARNING), (300, 360, DANGER)]:
        c.arc(box, start, end, colour, 14)
    angle = math.radians(330)
    c.line(
        [(x, y), (x + (radius - 16) * math.cos(angle), y + (radius - 16) * math.sin(angle))], INK, 5
    )
    c.circle(at, 7, fill=INK, outline=None)
    c.text((x, y + 22), "pressure drop", 15, TEXT, "mt")


def draw_replace_prefilter(c: Canvas) -> None:
    gauge(c, (110, 200), 72)
    filter_cartridge(c, (250, 120, 350, 260), (161, 136, 127), (93, 64, 55))
    c.arrow((372, 248), (372, 112), colour=DANGER, width=7)
    c.text((300, 282), "old", 18, INK, "mm", bold=True)
    filter_cartridge(c, (450, 120, 550, 260), BACKGROUND, MUTED)
    c.arrow((572, 112), (572, 248), colour=GOOD, width=7)
    c.text((500, 282), "new", 18, INK, "mm", bold=True)


def draw_place_calibration_tool(c: Canvas) -> None:
    slots = deck(c, (240, 84, 600, 292), highlight=1)
    calibration_tool(c, (30, 104, 132, 180))
    c.text((81, 196), "calibration tool", 15, TEXT, "mt")
    c.arrow((144, 142), (centre(slots[0])[0] - 10, 142), width=8, head=22)


def draw_remove_calibration_tool(c: Canvas) -> None:
    slots = deck(c, (240, 84, 600, 292), highlight=1)
    calibration_tool(c, inset(slots[0], 8))
    c.dashed_rect((30, 104, 132, 180), MUTED, 2)
    c.text((81, 196), "calibration tool", 15, TEXT, "mt")
    c.arrow((centre(slots[0])[0] - 20, 142), (146, 142), width=8, head=22)


def draw_error(c: Canvas) -> None:
    top, left, right = (320.0, 88.0), (214.0, 280.0), (426.0, 280.0)
    c.polygon([top, right, left], fill=WARNING, outline=INK, width=6)
    c.rect((311, 150, 329, 232), fill=INK, outline=None, radius=6)
    c.circle((320, 254), 11, fill=INK, outline=None)


DRAWINGS: dict[str, Callable[[Canvas], None]] = {
    "daily-clear-deck.png": draw_clear_deck,
    "daily-empty-tip-waste.png": draw_empty_tip_waste,
    "daily-wipe-deck.png": draw_wipe_deck,
    "weekly-clean-tip-adapters.png": draw_clean_tip_adapters,
    "weekly-cleaning-agent-lot.png": draw_cleaning_agent_lot,
    "uv-close-front-door.png": draw_close_front_door,
    "hepa-replace-prefilter.png": draw_replace_prefilter,
    "calibration-place-tool.png": draw_place_calibration_tool,
    "calibration-remove-tool.png": draw_remove_calibration_tool,
    ERROR_IMAGE: draw_error,
}


# --- the picture frame: title, drawing, message -----------------------------------------------


def wrap(c: Canvas, text: str, size: int, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and c.text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def render(title: str, message: str, drawing: Callable[[Canvas], None]) -> Image.Image:
    c = Canvas()
    usable = WIDTH - 2 * MARGIN
    size = next((s for s in (32, 28, 24) if c.text_width(title, s) <= usable), 20)
    c.text((MARGIN, 40), title, size, INK, "lm", bold=True)
    c.line([(MARGIN, 70), (WIDTH - MARGIN, 70)], RULE, 2)
    drawing(c)
    for size in (21, 19, 17, 15):
        lines = wrap(c, message, size, usable)
        spacing = round(size * 1.3)
        if len(lines) * spacing <= MESSAGE_BOTTOM - MESSAGE_TOP:
            break
    for i, line in enumerate(lines):
        c.text((MARGIN, MESSAGE_TOP + i * spacing), line, size, TEXT)
    return c.finish()


class MissingDrawingError(LookupError):
    """The catalogue names an image that DRAWINGS has no drawing function for."""


def pictures(catalogue: Path = CATALOGUE) -> dict[str, tuple[str, str]]:
    """Image name → (title, message) of the first view that shows it, plus the error picture."""
    data: dict[str, Any] = yaml.safe_load(catalogue.read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str]] = {}
    for procedure in data["procedures"]:
        for step in procedure["steps"]:
            view = step.get("view") or {}
            if "image" in view:
                found.setdefault(view["image"], (view["title"], view["message"]))
    found.setdefault(ERROR_IMAGE, (ERROR_TITLE, ERROR_MESSAGE))
    missing = sorted(set(found) - set(DRAWINGS))
    if missing:
        raise MissingDrawingError(
            f"{catalogue} names image(s) {', '.join(missing)}, but scripts/draw_images.py has no"
            " drawing for them: add a draw_… function and an entry in DRAWINGS."
        )
    return found


def draw_all(out_dir: Path = IMAGES, catalogue: Path = CATALOGUE) -> list[Path]:
    """Draw every picture the catalogue names (plus the error picture) into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, (title, message) in pictures(catalogue).items():
        path = out_dir / name
        render(title, message, DRAWINGS[name]).save(path, format="PNG", optimize=True)
        written.append(path)
    return written


def main() -> None:
    try:
        written = draw_all()
    except MissingDrawingError as error:
        raise SystemExit(f"draw_images: {error}") from None
    for path in written:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
