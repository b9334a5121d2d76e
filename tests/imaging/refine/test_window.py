"""The window diffusion sees, and pasting its result back with a feathered seam."""

from __future__ import annotations

import numpy as np
import pytest

from imaging.refine.band import OPAQUE_ALPHA
from imaging.refine.window import cut_window, feathered_weight, paste_back, window_around


def _band(shape: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    band = np.zeros(shape, bool)
    band[rows, cols] = True
    return band


def test_window_is_a_square_holding_band_feather_and_context() -> None:
    band = _band((300, 400), slice(100, 140), slice(150, 230))
    window = window_around(band, feather_px=6.0)
    rows, cols = window.inside
    assert window.side == rows.stop - rows.start == cols.stop - cols.start  # on the canvas
    assert rows.start <= 100 - 6 and rows.stop >= 140 + 6
    assert cols.start <= 150 - 6 and cols.stop >= 230 + 6
    image = np.random.default_rng(0).random((300, 400, 3), dtype=np.float32)
    assert cut_window(image, window, 64).shape == (64, 64, 3)


def test_window_larger_than_the_canvas_is_padded_and_only_its_canvas_part_pasted() -> None:
    band = _band((60, 200), slice(10, 50), slice(20, 180))  # wide band on a short canvas
    window = window_around(band, feather_px=4.0)
    assert window.side > 60
    rows, cols = window.inside
    assert (cols.start, cols.stop) == (0, 200) or cols.stop - cols.start == window.side
    assert (rows.start, rows.stop) == (0, 60)
    canvas = np.full((60, 200, 3), 0.5, np.float32)
    assert cut_window(canvas, window, 64).shape == (64, 64, 3)
    refined = np.full((64, 64, 3), 0.9, np.float32)
    weight = feathered_weight(band, window, 4.0)
    out = paste_back(canvas, refined, window, weight, np.zeros((60, 200), np.float32))
    assert out.shape == canvas.shape
    assert np.allclose(out[band], 0.9, atol=1e-5)


def test_paste_back_leaves_everything_outside_the_window_bit_identical_and_feathers_the_seam() -> (
    None
):
    rng = np.random.default_rng(1)
    canvas = rng.random((200, 240, 3), dtype=np.float32)
    band = _band((200, 240), slice(80, 110), slice(90, 150))
    feather = 8.0
    window = window_around(band, feather)
    rows, cols = window.inside
    weight = np.zeros((200, 240), np.float32)
    weight[rows, cols] = feathered_weight(band, window, feather)
    refined = np.zeros((96, 96, 3), np.float32)  # the model painted the window black
    out = paste_back(canvas, refined, window, weight[rows, cols], np.zeros((200, 240), np.float32))

    outside = np.ones((200, 240), bool)
    outside[rows, cols] = False
    assert outside.any() and np.array_equal(out[outside], canvas[outside])
    assert np.all(weight[band] == 1.0)
    assert np.allclose(out[band], 0.0, atol=1e-6)
    # The seam: 1 to 8 px from the band the weight falls smoothly from 1 to 0, and the pixels
    # are a blend of the canvas and the refined window; beyond it they are untouched.
    seam = weight[95, 150:160]
    assert 0.0 < seam[3] < 1.0 and np.all(np.diff(seam) <= 0)
    assert seam[-1] == 0.0
    assert np.array_equal(out[80:110, 160:170], canvas[80:110, 160:170])
    middle = out[95, 150 + 3]
    assert np.all(middle < canvas[95, 153]) and np.all(middle > 0.0)


def test_paste_back_puts_the_piece_back_exactly_and_blends_its_soft_edge_by_alpha() -> None:
    rng = np.random.default_rng(2)
    composite = rng.random((40, 40, 3), dtype=np.float32)
    refined = rng.random((40, 40, 3), dtype=np.float32)
    alpha = np.zeros((40, 40), np.float32)
    alpha[10:30, 10:30] = 1.0
    alpha[10:30, 9] = 0.25  # a soft edge
    band = np.ones((40, 40), bool)  # the whole canvas may be repainted: only alpha protects
    window = window_around(band, 1.0)
    assert window.side >= 40
    refined_window = np.zeros((window.side, window.side, 3), np.float32)
    refined_window[window.inside_of_window] = refined
    weight = feathered_weight(band, window, 1.0)
    out = paste_back(composite, refined_window, window, weight, alpha)

    opaque = alpha >= OPAQUE_ALPHA
    assert np.array_equal(out[opaque], composite[opaque])  # the seller's pixels, bit for bit
    assert np.allclose(out[alpha == 0], refined[alpha == 0], atol=1e-6)
    expected_edge = composite[10:30, 9] + 0.75 * (refined[10:30, 9] - composite[10:30, 9])
    assert np.allclose(out[10:30, 9], expected_edge, atol=1e-6)


def test_an_empty_band_or_no_feather_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        window_around(np.zeros((10, 10), bool), 2.0)
    band = _band((20, 20), slice(5, 8), slice(5, 8))
    with pytest.raises(ValueError, match="feather_px"):
        feathered_weight(band, window_around(band, 2.0), 0.0)
