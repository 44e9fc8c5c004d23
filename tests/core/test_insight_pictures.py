"""Pictures of maps, filters and heat maps: checked pixel by pixel, and as real PNG files."""

import numpy as np
import pytest
from PIL import Image

from cnnstudio.core.insight.pictures import (
    BACKGROUND,
    GAP,
    MID_GREY,
    colour_table,
    feature_maps_picture,
    filters_picture,
    heat_overlay,
    image_picture,
    input_picture,
    vector_picture,
    write_png,
)


def brightness(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


@pytest.mark.parametrize("name", ["viridis", "inferno"])
def test_colour_tables_grow_brighter_with_the_value(name):
    table = colour_table(name)
    assert table.shape == (256, 3) and table.dtype == np.uint8
    assert np.all(np.diff(brightness(table[::8])) > 0)  # (neighbours can tie after rounding)


def test_each_feature_map_is_a_tile_on_its_own_colour_scale():
    rng = np.random.default_rng(0)
    maps = rng.normal(size=(6, 28, 28)).astype(np.float32)
    maps[4] *= 1000  # a map with a far larger range keeps its own scale
    picture = feature_maps_picture(maps)
    side = 56  # 28x28 maps are enlarged twice, to at least 48 pixels
    assert picture.shape == (2 * side + GAP, 3 * side + 2 * GAP, 3)
    assert np.all(picture[side : side + GAP] == BACKGROUND)  # the gap between the rows
    for index, values in enumerate(maps):
        top, left = (index // 3) * (side + GAP), (index % 3) * (side + GAP)
        tile = picture[top : top + side, left : left + side]
        shade = brightness(tile)
        row, column = np.unravel_index(values.argmax(), values.shape)
        assert shade[2 * row, 2 * column] == shade.max()  # its maximum is its brightest pixel
        assert tuple(tile[2 * row + 1, 2 * column + 1]) == tuple(colour_table("viridis")[255])
        row, column = np.unravel_index(values.argmin(), values.shape)
        assert tuple(tile[2 * row, 2 * column]) == tuple(colour_table("viridis")[0])
        assert np.sum(shade == shade.max()) == 4  # one value, enlarged to 2x2 pixels


def test_a_constant_map_is_one_colour_not_a_division_by_zero():
    picture = feature_maps_picture(np.full((1, 4, 4), 3.0, dtype=np.float32))
    assert picture.shape == (48, 48, 3)
    assert np.all(picture == colour_table("viridis")[0])


def test_zero_weights_are_mid_grey_and_the_largest_is_black_or_white():
    weights = np.zeros((2, 1, 3, 3), dtype=np.float32)
    weights[0, 0, 0, 0] = 0.5
    weights[0, 0, 2, 2] = -0.25
    weights[1, 0, 1, 1] = -2.0
    picture = filters_picture(weights)
    side = 48  # 3x3 filters, 16 pixels a weight
    assert picture.shape == (side, 2 * side + GAP, 3)
    first, second = picture[:, :side], picture[:, side + GAP :]
    assert np.all(first[0, 0] == 255) and np.all(first[40, 40] == MID_GREY - 64)
    assert np.all(first[20, 20] == MID_GREY)  # a zero weight
    assert np.all(second[20, 20] == 1) and np.all(second[0, 0] == MID_GREY)


def test_filters_on_three_channels_are_colour_tiles():
    weights = np.zeros((1, 3, 5, 5), dtype=np.float32)
    weights[0, 0, 0, 0] = 1.0  # red only at the top left
    weights[0, 2, 4, 4] = -1.0  # less blue at the bottom right
    picture = filters_picture(weights)
    assert picture.shape == (50, 50, 3)
    assert tuple(picture[0, 0]) == (255, MID_GREY, MID_GREY)
    assert tuple(picture[49, 49]) == (MID_GREY, MID_GREY, 1)
    assert tuple(picture[25, 25]) == (MID_GREY,) * 3


def test_deeper_filters_show_a_grey_tile_per_input_channel():
    weights = np.random.default_rng(1).normal(size=(4, 6, 3, 3))
    picture = filters_picture(weights)
    # a row per filter, a column per input channel
    assert picture.shape == (4 * 48 + 3 * GAP, 6 * 48 + 5 * GAP, 3)
    assert np.all(picture[..., 0] == picture[..., 1])


def test_a_flat_output_is_bars_up_and_down_from_a_zero_line():
    picture = vector_picture(np.array([1.0, -0.5, 0.0], dtype=np.float32))
    height = picture.shape[0]
    middle = height // 2
    column = lambda i: picture[:, 1 + i * 25 + 12]  # noqa: E731 - bar i's middle column
    painted = lambda c: np.flatnonzero(np.any(c != BACKGROUND, axis=1) & (c[:, 0] != 160))  # noqa: E731
    assert painted(column(0)).min() == 0 and painted(column(0)).max() == middle
    assert painted(column(1)).min() == middle and painted(column(1)).max() == middle + 60


def test_a_long_flat_output_is_a_block_of_cells():
    values = np.arange(400, dtype=np.float32)
    picture = vector_picture(values)
    assert picture.shape == (200, 200, 3)  # 20x20 cells, 10 pixels each
    assert tuple(picture[0, 0]) == tuple(colour_table("viridis")[0])
    assert tuple(picture[-1, -1]) == tuple(colour_table("viridis")[255])


def test_feature_maps_of_a_flat_layer_draw_as_its_vector():
    values = np.linspace(-1, 1, 10)
    assert np.array_equal(feature_maps_picture(values), vector_picture(values))


def test_a_heat_overlay_blends_the_image_and_the_heat_colours():
    image = np.full((1, 8, 8), 200, dtype=np.uint8)
    heat = np.zeros((8, 8), dtype=np.float32)
    heat[0, 0] = 1.0
    picture = heat_overlay(image, heat, opacity=0.25)
    assert picture.shape == (192, 192, 3)  # enlarged 24 times
    hot, cold = colour_table("inferno")[255], colour_table("inferno")[0]
    assert np.array_equal(picture[0, 0], np.rint(0.75 * 200 + 0.25 * hot.astype(float)))
    assert np.array_equal(picture[-1, -1], np.rint(0.75 * 200 + 0.25 * cold.astype(float)))
    assert np.array_equal(heat_overlay(image, heat, opacity=0.0), input_picture(image))
    assert np.all(input_picture(image) == 200)
    with pytest.raises(ValueError, match="opacity"):
        heat_overlay(image, heat, opacity=1.5)


def test_a_colour_image_keeps_its_channels():
    image = np.zeros((3, 2, 2), dtype=np.uint8)
    image[0, 0, 1] = 255
    assert tuple(image_picture(image)[0, 1]) == (255, 0, 0)


def test_pngs_read_back_with_pillow_pixel_for_pixel(tmp_path):
    picture = feature_maps_picture(np.random.default_rng(2).normal(size=(5, 7, 7)))
    path = tmp_path / "sub" / "maps.png"
    write_png(path, picture)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        assert image.size == (picture.shape[1], picture.shape[0])
        assert np.array_equal(np.asarray(image), picture)
    assert [p.name for p in path.parent.iterdir()] == ["maps.png"]  # no temporary file left
