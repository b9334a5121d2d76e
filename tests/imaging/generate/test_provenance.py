"""Provenance in a template's annotation JSON: optional, so templates saved before it still load."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from imaging.jewelry import BodyRegion
from imaging.samples.models import make_template
from imaging.template import Provenance, Template


def test_provenance_round_trips_and_older_json_without_it_still_loads(tmp_path: Path) -> None:
    template = make_template(BodyRegion.WRIST, width=256, height=256, name="wrist")
    provenance = Provenance(
        model="org/sdxl",
        prompt="p",
        negative_prompt="n",
        seed=3,
        steps=30,
        guidance_scale=6.0,
        width=256,
        height=256,
    )
    template.annotation = replace(template.annotation, provenance=provenance)
    json_path = template.save(tmp_path)
    assert json.loads(json_path.read_text())["provenance"]["seed"] == 3
    assert Template.load(json_path).annotation == template.annotation

    older = json.loads(json_path.read_text())
    del older["provenance"]
    json_path.write_text(json.dumps(older))
    loaded = Template.load(json_path)
    assert loaded.annotation.provenance is None
    assert loaded.annotation.wrist == template.annotation.wrist
