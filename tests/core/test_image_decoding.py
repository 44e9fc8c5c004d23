"""Images deeper than 8 bits (16-bit PNG, 32-bit float TIFF) decode to the brightness they show,
not clipped to white or black; a range that cannot be scaled is listed as unreadable."""

import numpy as np
import pytest
from PIL import Image

from cnnstudio.core.data.images import decode_image
from cnnstudio.core.data.inspect import inspect_data
from cnnstudio.core.data.sources.registry import get_source
from tests.core.test_folder_dataset import options


def ramp(high: float, dtype) -> np.ndarray:
    """A 32x32 left-to-right ramp from 0 to `high`."""
    return np.tile(np.linspace(0, high, 32), (32, 1)).astype(dtype)


def write(path, pixels: np.ndarray, fmt: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format=fmt)
    return path


def test_a_16_bit_png_is_scaled_from_its_16_bit_range(tmp_path):
    path = write(tmp_path / "deep.png", ramp(65535, np.uint16), "PNG")
    with Image.open(path) as image:
        assert image.mode == "I;16"  # really a 16-bit file
    pixels, _ = decode_image(path, 32, 1)
    expected = np.round(ramp(65535, np.float64) / 257)
    assert np.abs(pixels[0].astype(int) - expected).max() <= 1
    colour, _ = decode_image(path, 32, 3)
    assert np.array_equal(colour[0], pixels[0]) and np.array_equal(colour[2], pixels[0])


def test_a_float_tiff_in_0_to_1_is_scaled_to_0_to_255(tmp_path):
    path = write(tmp_path / "float.tif", ramp(1.0, np.float32), "TIFF")
    with Image.open(path) as image:
        assert image.mode == "F"
    pixels, _ = decode_image(path, 32, 1)
    expected = np.round(ramp(1.0, np.float64) * 255)
    assert np.abs(pixels[0].astype(int) - expected).max() <= 1


def test_a_float_tiff_outside_0_to_1_is_refused_saying_why(tmp_path):
    path = write(tmp_path / "depth.tif", ramp(1000.0, np.float32), "TIFF")
    with pytest.raises(ValueError, match="floating-point pixels from 0 to 1000"):
        decode_image(path, 32, 1)


def test_a_folder_of_16_bit_and_float_images_loads_at_their_brightness(tmp_path):
    root = tmp_path / "scans"
    for i in range(3):  # dark class: a quarter of full scale; bright class: three quarters
        write(root / "dark" / f"{i}.png", np.full((24, 24), 16384 + i, np.uint16), "PNG")
        write(root / "bright" / f"{i}.tif", np.full((24, 24), 0.75, np.float32), "TIFF")
    write(root / "bright" / "odd.tif", np.full((24, 24), 7.5, np.float32), "TIFF")
    data = get_source("folder").load(options(root, stream="never"), tmp_path / "data")
    assert data.input_shape == (1, 24, 24)
    images = np.concatenate([data.train_images.numpy(), data.val_images.numpy()])
    labels = np.concatenate([data.train_labels.numpy(), data.val_labels.numpy()])
    dark = data.class_names.index("dark")
    assert np.all(images[labels == dark] == 64)  # 16384 / 257, not clipped to 255
    assert np.all(images[labels != dark] == 191)  # 0.75 * 255, not truncated to 0
    (skipped,) = inspect_data(data).skipped
    assert skipped.path.endswith("odd.tif") and "from 7.5 to 7.5" in skipped.reason
