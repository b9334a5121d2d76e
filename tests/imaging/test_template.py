"""Template annotations refuse what no render can use, and say which field is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from imaging.jewelry import BodyRegion
from imaging.template import Annotation, FingerAnchor, Template
from imaging.template_library import list_templates


def _hand() -> Annotation:
    return Annotation(
        region=BodyRegion.HAND,
        px_per_mm=8.0,
        scale_source="hand_world_landmarks",
        light_direction=(0.6, 0.8),
        skin_lab=(70.0, 14.0, 18.0),
        finger=FingerAnchor(knuckle=(100.0, 300.0), middle_joint=(100.0, 100.0), width_px=140.0),
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"px_per_mm": "abc"}, "px_per_mm must be a positive number"),
        ({"px_per_mm": -3}, "px_per_mm must be a positive number"),
        ({"px_per_mm": float("nan")}, "px_per_mm must be a positive number"),
        ({"light_direction": [0, 0]}, "light_direction must be a non-zero"),
        ({"light_direction": [1, 2, 3]}, "light_direction must be a non-zero"),
        ({"skin_lab": [70, 14]}, "skin_lab must be"),
        ({"pose_tolerance_deg": -1}, "pose_tolerance_deg must be"),
        ({"region": "neck"}, "a neck template needs its neck anchor"),
        ({"bogus": 1}, "no annotation field bogus"),
    ],
)
def test_an_unusable_override_is_refused_naming_the_field(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _hand().with_overrides(overrides)


def test_a_scale_given_by_hand_says_so() -> None:
    changed = _hand().with_overrides({"px_per_mm": 9.5})
    assert changed.px_per_mm == 9.5 and changed.scale_source == "seller"
    assert changed.source == "manual"
    moved = _hand().with_overrides({"finger": {"width_px": 150}})
    assert moved.finger is not None and moved.finger.width_px == 150
    assert moved.finger.knuckle == (100.0, 300.0) and moved.scale_source == "hand_world_landmarks"


@pytest.mark.parametrize("name", ["../../escape", "Hand", ".hidden", "a/b", ""])
def test_a_name_that_is_not_a_plain_file_name_is_refused(tmp_path: Path, name: str) -> None:
    template = Template(name=name, rgb=np.zeros((8, 8, 3), np.float32), annotation=_hand())
    with pytest.raises(ValueError, match="template name"):
        template.save(tmp_path / "library")
    assert not list(tmp_path.rglob("*.json"))


def test_a_broken_file_in_the_library_is_named(tmp_path: Path) -> None:
    Template(name="good", rgb=np.zeros((8, 8, 3), np.float32), annotation=_hand()).save(tmp_path)
    data = json.loads((tmp_path / "good.json").read_text())
    data["px_per_mm"] = 0
    (tmp_path / "edited.json").write_text(json.dumps(data))
    shutil.copy(tmp_path / "good.png", tmp_path / "edited.png")
    with pytest.raises(ValueError, match=r"edited\.json: .*px_per_mm must be a positive number"):
        list_templates(tmp_path)
