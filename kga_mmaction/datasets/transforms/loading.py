"""Load a still image (a BUSI keyframe) as a clip of frames.

MMAction2's loaders produce ``results['imgs']``, a list of ``H x W x 3``
uint8 RGB frames, from videos or frame folders. :class:`LoadImageAsFrames`
does the same for one image file so that a BUSI keyframe runs through the
very transforms a BUSV clip runs through (``Resize``, ``RandomResizedCrop``,
``Flip``, ``FormatShape``, ``PackActionInputs``).
"""
import os
import os.path as osp

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

#: Divisor that maps the 16-bit range [0, 65535] onto [0, 255] (65535 / 255).
UINT16_TO_UINT8 = 257.0


def to_rgb(img: np.ndarray, path: str = '<array>') -> np.ndarray:
    """Bring an image decoded by ``cv2.IMREAD_UNCHANGED`` to 3 RGB channels,
    keeping its pixel type.

    * gray ``H x W`` or ``H x W x 1`` -> the gray level copied to 3 channels;
    * BGRA ``H x W x 4`` (also what OpenCV makes of gray + alpha) -> alpha
      dropped;
    * BGR -> RGB.

    Args:
        img (np.ndarray): Decoded image, channel order BGR(A) as OpenCV
            returns it, uint8 or uint16.
        path (str): File the image came from, only used in error messages.
            Defaults to ``'<array>'``.

    Returns:
        np.ndarray: ``H x W x 3`` array in RGB order, of ``img``'s dtype.

    Raises:
        ValueError: If the dtype or the number of channels is not supported.
    """
    if img.dtype not in (np.uint8, np.uint16):
        raise ValueError(f'{path}: unsupported pixel type {img.dtype} '
                         '(expected 8- or 16-bit integers)')
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 2:
        return np.ascontiguousarray(np.stack([img] * 3, axis=-1))
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ValueError(f'{path}: unsupported image shape {img.shape} '
                         '(expected gray, BGR or BGRA)')
    # [H, W, 3 or 4] BGR(A) -> [H, W, 3] RGB
    return np.ascontiguousarray(img[:, :, 2::-1])


def to_rgb_uint8(img: np.ndarray, path: str = '<array>') -> np.ndarray:
    """Convert an image decoded by ``cv2.IMREAD_UNCHANGED`` to RGB uint8.

    The channels as :func:`to_rgb` brings them; uint16 divided by 257 and
    rounded, so 65535 maps to 255 (a fixed scale, not a per-image min-max
    stretch, so brightness is comparable across images). Frames of a clip
    are brought to 8 bits by their actual range instead
    (:func:`~kga_mmaction.datasets.input_sanity.scale_to_uint8`).

    Args:
        img (np.ndarray): Decoded image, channel order BGR(A) as OpenCV
            returns it.
        path (str): File the image came from, only used in error messages.
            Defaults to ``'<array>'``.

    Returns:
        np.ndarray: ``H x W x 3`` uint8 array in RGB order.

    Raises:
        ValueError: If the dtype or the number of channels is not supported.
    """
    img = to_rgb(img, path)
    if img.dtype == np.uint16:
        img = np.round(img.astype(np.float32) / UINT16_TO_UINT8).astype(
            np.uint8)
    return img


def decode_image(path: str) -> np.ndarray:
    """Decode an image file as stored (``cv2.IMREAD_UNCHANGED``).

    Args:
        path (str): Image file.

    Returns:
        np.ndarray: The pixels as OpenCV decodes them: BGR(A) or gray,
        uint8 or uint16.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is empty or cannot be decoded. The message
            names the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'image file not found: {path}')
    if os.stat(path).st_size == 0:
        raise ValueError(f'image file is empty (0 bytes): {path}')
    buf = np.fromfile(path, dtype=np.uint8)
    try:
        img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    except cv2.error as err:
        raise ValueError(f'cannot decode image file {path}: {err}') from err
    if img is None or img.size == 0:
        raise ValueError(f'cannot decode image file (corrupt or not an '
                         f'image): {path}')
    return img


def read_rgb_image(path: str) -> np.ndarray:
    """Read an image file as an ``H x W x 3`` uint8 RGB array.

    Args:
        path (str): Image file.

    Returns:
        np.ndarray: The image, see :func:`to_rgb_uint8` for the conversions.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is empty, cannot be decoded, or has an
            unsupported pixel format. The message names the file.
    """
    return to_rgb_uint8(decode_image(path), path)


@TRANSFORMS.register_module()
class LoadImageAsFrames(BaseTransform):
    """Load one image file and present it as a static clip.

    Required Keys:

    - img_path

    Added Keys:

    - imgs (list of ``num_frames`` ``H x W x 3`` uint8 RGB arrays, each its
      own copy so that in-place transforms such as ``Flip`` act once)
    - original_shape, img_shape (``(H, W)``)
    - frame_inds (``num_frames`` zeros), clip_len (``num_frames``),
      num_clips (1), total_frames (1), start_index (0, unless present),
      frame_interval (None), modality (``'RGB'``)

    With ``num_frames=1`` and ``FormatShape('NCHW')`` the packed input is
    ``[1, 3, H, W]``; with ``num_frames=T`` and ``FormatShape('NCTHW')`` it
    is ``[1, 3, T, H, W]``, the shape 3D baselines expect.

    Args:
        num_frames (int): Number of copies of the image in the clip.
            Defaults to 1.
    """

    def __init__(self, num_frames: int = 1) -> None:
        if not isinstance(num_frames, int) or num_frames < 1:
            raise ValueError(
                f'num_frames must be a positive int, got {num_frames!r}')
        self.num_frames = num_frames

    def transform(self, results: dict) -> dict:
        """Read ``results['img_path']`` into ``results['imgs']``.

        Args:
            results (dict): The result dict; needs ``img_path``.

        Returns:
            dict: ``results`` with the keys listed in the class docstring.
        """
        img = read_rgb_image(results['img_path'])
        results['imgs'] = [img] + [
            img.copy() for _ in range(self.num_frames - 1)
        ]
        results['original_shape'] = img.shape[:2]
        results['img_shape'] = img.shape[:2]
        results['frame_inds'] = np.zeros(self.num_frames, dtype=np.int32)
        results['clip_len'] = self.num_frames
        results['frame_interval'] = None
        results['num_clips'] = 1
        results['total_frames'] = 1
        results.setdefault('start_index', 0)
        results['modality'] = 'RGB'
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_frames={self.num_frames})'
