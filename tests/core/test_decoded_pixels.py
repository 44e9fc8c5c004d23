"""Decoded pixels are a writable array: torch.from_numpy warns on read-only ones."""

import numpy as np
import pytest

from cnnstudio.core.data.images import decode_image
from tests.datafiles import write_image


@pytest.mark.parametrize("channels", [1, 3])
def test_decoded_pixels_are_writable(tmp_path, channels):
    path = write_image(tmp_path / "picture.png", (20, 12), value=120)
    pixels, original = decode_image(path, 8, channels)
    assert pixels.shape == (channels, 8, 8) and original == (20, 12)
    assert np.ascontiguousarray(pixels).flags.writeable
