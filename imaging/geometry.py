"""Small 2-D geometry helpers in image pixel coordinates (x right, y down)."""

from __future__ import annotations

import math

Point = tuple[float, float]
Vector = tuple[float, float]


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def unit(v: Vector) -> Vector:
    """v scaled to length 1 (raises ValueError on a zero vector)."""
    length = math.hypot(v[0], v[1])
    if length == 0:
        raise ValueError("zero-length vector has no direction")
    return (v[0] / length, v[1] / length)


def rotate(v: Vector, degrees: float) -> Vector:
    """v rotated by `degrees` (clockwise on screen, since y points down)."""
    r = math.radians(degrees)
    c, s = math.cos(r), math.sin(r)
    return (v[0] * c - v[1] * s, v[0] * s + v[1] * c)


def angle_deg(v: Vector) -> float:
    """Screen angle of v in degrees, 0 = right, 90 = down."""
    return math.degrees(math.atan2(v[1], v[0]))


def angle_between_deg(a: Vector, b: Vector) -> float:
    """Unsigned angle between two vectors, 0..180 degrees."""
    d = abs(angle_deg(a) - angle_deg(b)) % 360.0
    return min(d, 360.0 - d)
