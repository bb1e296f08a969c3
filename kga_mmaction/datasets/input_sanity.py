"""Input sanity: what the pixels of a clip must be before a diagnosis.

A diagnosis made from frames unlike any the model was trained on (12-bit
data read as nearly black, a blank screen, a thumbnail) is printed with the
same confidence as any other. The checks here run on the sampled frames
before ``tools/infer.py`` diagnoses a video
(:func:`~kga_mmaction.apis.check_video_frames`) and on every frame of a BUSV
root in ``tools/data/check_dataset.py --deep``
(:func:`~kga_mmaction.datasets.busv.index_busv_root`). A clip that fails one
is refused; it never gets a diagnosis.

* **Bit depth.** 16-bit frames are brought to 8 bits by the range their
  values actually use (:func:`significant_bits`, :func:`scale_to_uint8`),
  with a :class:`HighBitDepthWarning`. In a dataset they are a problem:
  MMAction2's ``RawFrameDecode`` keeps only their high byte.
* **Blank frames.** A clip whose sampled frames are mostly near-constant
  (all black, blank) is refused (:meth:`InputSanity.blank_problem`).
* **Small frames.** Frames far smaller than the model input are refused
  (:meth:`InputSanity.size_problem`).

Every threshold is a field of :class:`InputSanity`, with its reasoning;
:data:`INPUT_SANITY` is the instance every caller uses.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .problems import BLANK_VIDEO, SMALL_FRAMES, Problem

#: The fewest bits :func:`significant_bits` gives: 8-bit values stored in a
#: 16-bit file stay as they are.
MIN_SIGNIFICANT_BITS = 8


class HighBitDepthWarning(UserWarning):
    """Frames stored with 16 bits per channel were scaled to 8 bits by the
    range their values use (see :func:`scale_to_uint8`)."""


@dataclass(frozen=True)
class InputSanity:
    """Thresholds of the input checks, and the checks.

    Args:
        blank_std (float): A frame whose gray level (0-255, mean of the RGB
            channels) has a standard deviation below this is blank. B-mode
            frames carry speckle and a dark background around the scan
            sector: any frame that shows tissue deviates by tens of levels,
            while an all-black or blank export, compression noise included,
            stays below 1. Defaults to 2.0.
        max_blank_fraction (float): A clip with more than this share of
            blank sampled frames is refused. A few blank frames (a freeze, a
            transition) are normal and the attention can pass over them;
            when most are blank the diagnosis rests on a handful of frames,
            or on none. Defaults to 0.5.
        min_side (int): Frames whose short side is below this many pixels
            are refused, whatever the model. Scanner exports are hundreds of
            pixels; below 32 a frame is an icon or a thumbnail, and a
            lesion margin, what the diagnosis rests on, spans a pixel or
            two. The only size check where the model input is unknown (the
            dataset check). Defaults to 32.
        min_side_fraction (float): Where the model input is known
            (``tools/infer.py``), the short side must also reach this share
            of the input's short side: a smaller frame is upsampled more
            than 2x, and the model sees interpolation blur where it was
            trained on frames sampled down. Defaults to 0.5.
    """
    blank_std: float = 2.0
    max_blank_fraction: float = 0.5
    min_side: int = 32
    min_side_fraction: float = 0.5

    def is_blank(self, frame: np.ndarray) -> bool:
        """Whether a frame is near-constant.

        Args:
            frame (np.ndarray): ``H x W x 3`` uint8 RGB frame.

        Returns:
            bool: Its gray level's standard deviation is below
            :attr:`blank_std`.
        """
        gray = frame.mean(axis=-1, dtype=np.float32)  # [H, W, 3] -> [H, W]
        return float(gray.std()) < self.blank_std

    def blank_problem(self, source: str, num_blank: int,
                      num_frames: int) -> Optional[Problem]:
        """A ``blank_video`` problem when too many frames are blank.

        Args:
            source (str): The video file or folder, named in the problem.
            num_blank (int): Frames found blank by :meth:`is_blank`.
            num_frames (int): Frames checked.

        Returns:
            Problem | None: None when at most :attr:`max_blank_fraction` of
            the frames are blank.
        """
        if num_blank <= self.max_blank_fraction * num_frames:
            return None
        return Problem(
            BLANK_VIDEO, source,
            f'{num_blank} of {num_frames} frames are blank (gray-level '
            f'standard deviation below {self.blank_std:g}); no diagnosis '
            'can be made from it')

    def min_short_side(self,
                       input_shape: Optional[Tuple[int, int]] = None) -> int:
        """The smallest short side a frame may have, in pixels.

        Args:
            input_shape (tuple[int, int], optional): ``(H, W)`` of the
                model input; None where it is unknown.

        Returns:
            int: :attr:`min_side`, or the share :attr:`min_side_fraction`
            of the input's short side when that is larger.
        """
        if input_shape is None:
            return self.min_side
        return max(self.min_side,
                   int(np.ceil(self.min_side_fraction * min(input_shape))))

    def size_problem(
            self,
            source: str,
            frame_shape: Tuple[int, int],
            input_shape: Optional[Tuple[int, int]] = None
    ) -> Optional[Problem]:
        """A ``small_frames`` problem when the frames are too small.

        Args:
            source (str): The video file or folder, named in the problem.
            frame_shape (tuple[int, int]): ``(H, W)`` of the frames as
                stored, before any resize.
            input_shape (tuple[int, int], optional): ``(H, W)`` of the
                model input; None where it is unknown.

        Returns:
            Problem | None: None when the short side reaches
            :meth:`min_short_side`.
        """
        limit = self.min_short_side(input_shape)
        if min(frame_shape) >= limit:
            return None
        height, width = frame_shape
        against = ('' if input_shape is None else
                   f', the model input is {input_shape[1]}x'
                   f'{input_shape[0]}')
        return Problem(
            SMALL_FRAMES, source,
            f'frames are {width}x{height}, far smaller than a scan '
            f'(short side below {limit} px{against})')

    def check_clip(
            self,
            source: str,
            frames: Sequence[np.ndarray],
            frame_shape: Tuple[int, int],
            input_shape: Optional[Tuple[int, int]] = None) -> List[Problem]:
        """Every check on the sampled frames of one clip.

        Args:
            source (str): The video file or folder, named in the problems.
            frames (Sequence[np.ndarray]): ``H x W x 3`` uint8 RGB frames
                (resized or not).
            frame_shape (tuple[int, int]): ``(H, W)`` of the frames as
                stored.
            input_shape (tuple[int, int], optional): ``(H, W)`` of the
                model input.

        Returns:
            list[Problem]: The problems found, empty for a sane clip.
        """
        blank = sum(self.is_blank(frame) for frame in frames)
        problems = [
            self.size_problem(source, frame_shape, input_shape),
            self.blank_problem(source, blank, len(frames))
        ]
        return [problem for problem in problems if problem is not None]


#: The thresholds every check uses.
INPUT_SANITY = InputSanity()


def significant_bits(max_value: int) -> int:
    """Bits that a clip's values use: the bit length of its largest value,
    at least :data:`MIN_SIGNIFICANT_BITS`.

    12-bit data stored in 16-bit files (values up to 4095) use 12 bits;
    true 16-bit data use 16.

    Args:
        max_value (int): The largest value of the clip.

    Returns:
        int: The number of bits, 8 to 16.
    """
    return max(MIN_SIGNIFICANT_BITS, int(max_value).bit_length())


def scale_to_uint8(img: np.ndarray, bits: int) -> np.ndarray:
    """Bring ``bits``-bit values to 8 bits: ``2**bits - 1`` maps to 255.

    The same ``bits`` for every frame of a clip (its
    :func:`significant_bits`) keeps their brightness comparable.

    Args:
        img (np.ndarray): uint8 or uint16 pixels.
        bits (int): Bits the values use.

    Returns:
        np.ndarray: uint8 pixels of the same shape.
    """
    if bits <= MIN_SIGNIFICANT_BITS and img.dtype == np.uint8:
        return img
    scale = 255.0 / (2**bits - 1)
    return np.round(img.astype(np.float32) * scale).clip(0, 255).astype(
        np.uint8)
