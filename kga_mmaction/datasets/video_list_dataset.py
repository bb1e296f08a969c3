"""Users' own videos, listed one per line with a label.

List file format (``#`` starts a comment line; blank lines are skipped)::

    # <path> <label>
    case 001/frames 1
    case 002.mp4 benign
    /abs/path/case 003.avi malignant

The label is the last whitespace-separated token, so paths may contain
spaces. It is a class name or an integer index into ``classes``. Relative
paths are relative to ``data_prefix['video']`` (itself joined to
``data_root``; the working directory when both are empty).

A path is either a folder of frames or a video file, and one list holds one
kind only (they need different pipelines):

* folder -> ``dict(frame_dir, total_frames, filename_tmpl, start_index,
  label, video_id)`` for ``SampleFrames`` + ``RawFrameDecode``; the template
  and start index are detected from the files
  (:func:`~kga_mmaction.datasets.frame_folder.detect_frame_template`:
  ``000000.png`` as in BUSV -> ``'{:06}.png'``, start 0; ``img_00001.jpg``
  as in MMAction2 -> ``'img_{:05}.jpg'``, start 1); the folder holds one
  sequence in one extension (:mod:`~kga_mmaction.datasets.frame_folder`),
  and an image without a frame number is left out with a warning naming it;
* file -> ``dict(filename, label, video_id)`` for ``DecordInit`` +
  ``SampleFrames`` + ``DecordDecode`` (or ``PyAVInit``/``PyAVDecode``): a
  file with a video extension, or without an extension when its content
  decodes as a video (:mod:`~kga_mmaction.datasets.video_file`).

A path listed twice is a problem (with two labels, a label conflict). The
list file may start with a UTF-8 BOM.
"""
import os.path as osp
import re
from typing import Callable, List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from mmaction.registry import DATASETS
from mmaction.utils import ConfigType
from .checked_action_dataset import (CheckedActionDataset,
                                     classes_metainfo)
from .frame_folder import FrameFolderError, scan_frame_folder
from .problems import (BAD_LINE, BROKEN_SYMLINK, DUPLICATE_ENTRY, FRAME_GAP,
                       MISSING_PATH, MIXED_MEDIA, UNKNOWN_LABEL,
                       UNKNOWN_MEDIA, Problem, broken_symlink_target,
                       raise_for_problems)
from .video_file import VIDEO_EXTENSIONS, is_video_file


@DATASETS.register_module()
class VideoListDataset(CheckedActionDataset):
    """Videos or frame folders listed with labels in a text file.

    See the module docstring for the list format and the entries produced.
    Every line is checked at construction; all problems (bad line, unknown
    label, missing path or broken link, empty folder, a frame stored twice
    or a gap in the frame numbering, unknown file type, folders mixed with
    files, a path listed twice) are raised together in one ``ValueError``
    (``FileNotFoundError`` if only paths are missing), each naming the list
    file, the line number and the path.

    Args:
        ann_file (str): The list file.
        pipeline (Sequence[dict | Callable]): Data transforms.
            Defaults to ``()``.
        classes (Sequence[str]): Class names, in label order.
            Defaults to ``('benign', 'malignant')``.
        data_prefix (dict): ``dict(video=folder)``: relative paths in the
            list are relative to it. Defaults to ``dict(video='')``.
        test_mode (bool): Whether the dataset is for val/test.
            Defaults to False.
        **kwargs: Passed to :class:`BaseActionDataset` (e.g. ``data_root``).
    """

    METAINFO = dict(classes=('benign', 'malignant'))

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[ConfigType, Callable]] = (),
                 classes: Sequence[str] = ('benign', 'malignant'),
                 data_prefix: ConfigType = dict(video=''),
                 test_mode: bool = False,
                 **kwargs) -> None:
        self.classes, metainfo = classes_metainfo(
            classes, kwargs.pop('metainfo', None))
        super().__init__(
            ann_file=ann_file,
            pipeline=list(pipeline),
            data_prefix=data_prefix,
            metainfo=metainfo,
            test_mode=test_mode,
            **kwargs)

    def _parse_label(self, token: str) -> Optional[int]:
        """Class name or integer -> label index; None if neither."""
        if token in self.classes:
            return self.classes.index(token)
        if re.fullmatch(r'[+-]?\d+', token):
            label = int(token)
            if 0 <= label < len(self.classes):
                return label
        return None

    def _parse_line(self, line: str, where: str,
                    prefix: str) -> Union[dict, Problem]:
        """One ``<path> <label>`` line -> its data entry, or its problem."""
        parts = line.rsplit(maxsplit=1)
        if len(parts) != 2:
            return Problem(BAD_LINE, line,
                           f'{where}: expected "<path> <label>"')
        rel_path, token = parts
        path = osp.abspath(osp.join(prefix, rel_path))
        label = self._parse_label(token)
        if label is None:
            return Problem(
                UNKNOWN_LABEL, path,
                f'{where}: label {token!r} is neither one of '
                f'{", ".join(self.classes)} nor an integer in '
                f'[0, {len(self.classes)})')
        if osp.isdir(path):
            return self._parse_folder(path, label, where)
        target = broken_symlink_target(path)
        if target is not None:
            return Problem(BROKEN_SYMLINK, path,
                           f'{where}: broken symbolic link to {target}')
        if not osp.isfile(path):
            return Problem(MISSING_PATH, path,
                           f'{where}: no such file or folder')
        if not is_video_file(path):
            return Problem(
                UNKNOWN_MEDIA, path,
                f'{where}: neither a frame folder nor a video file '
                f'({", ".join(VIDEO_EXTENSIONS)}, or no extension and '
                'content OpenCV decodes)')
        return dict(
            filename=path,
            label=label,
            start_index=0,
            video_id=osp.splitext(osp.basename(path))[0])

    def _parse_folder(self, path: str, label: int,
                      where: str) -> Union[dict, Problem]:
        """A frame folder -> its data entry, or its problem."""
        try:
            sequence = scan_frame_folder(path)
        except FrameFolderError as err:
            return Problem(err.kind, path, f'{where}: {err}')
        missing = sequence.missing_numbers()
        if missing:
            first = osp.join(path, sequence.filename_tmpl.format(missing[0]))
            return Problem(
                FRAME_GAP, path,
                f'{where}: frame numbering has {len(missing)} gap(s), first '
                f'missing {first}')
        if sequence.stray_files:
            MMLogger.get_current_instance().warning(
                f'VideoListDataset: {where}: {sequence.stray_warning()}')
        return dict(
            frame_dir=path,
            total_frames=len(sequence.files),
            filename_tmpl=sequence.filename_tmpl,
            start_index=sequence.start_index,
            label=label,
            video_id=osp.basename(path))

    def load_data_list(self) -> List[dict]:
        """Parse and check every line of the list file."""
        ann_file = osp.abspath(self.ann_file)
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'video list file not found: {ann_file}')
        prefix = self.data_prefix.get('video') or ''
        data_list, problems = [], []
        first_line_of = {}  # 'folder' / 'file' -> (line number, path)
        listed = {}  # path -> (line number, label)
        with open(ann_file, encoding='utf-8-sig') as f:
            lines = f.read().splitlines()
        for lineno, line in enumerate(lines, start=1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            item = self._parse_line(line, f'{ann_file} line {lineno}', prefix)
            if isinstance(item, Problem):
                problems.append(item)
                continue
            kind, path = (('folder', item['frame_dir']) if 'frame_dir' in item
                          else ('file', item['filename']))
            if path in listed:
                first, label = listed[path]
                conflict = (f', a label conflict ({self.classes[label]} vs '
                            f'{self.classes[item["label"]]})'
                            if label != item['label'] else '')
                problems.append(
                    Problem(
                        DUPLICATE_ENTRY, path,
                        f'{ann_file} lists it on lines {first} and '
                        f'{lineno}{conflict}'))
                continue
            listed[path] = (lineno, item['label'])
            first_line_of.setdefault(kind, (lineno, path))
            data_list.append(item)
        if len(first_line_of) > 1:
            (dir_line, dir_path), (file_line,
                                   file_path) = (first_line_of['folder'],
                                                 first_line_of['file'])
            problems.append(
                Problem(
                    MIXED_MEDIA, ann_file,
                    f'mixes frame folders (first: line {dir_line}, '
                    f'{dir_path}) with video files (first: line '
                    f'{file_line}, {file_path}); they need different '
                    'pipelines, use one list per kind'))
        if not data_list and not problems:
            problems.append(Problem(BAD_LINE, ann_file, 'no entries'))
        raise_for_problems(problems, f'video list {ann_file}')
        MMLogger.get_current_instance().info(
            f'VideoListDataset: {len(data_list)} '
            f'{"frame folders" if "folder" in first_line_of else "videos"} '
            f'from {ann_file}')
        return data_list

    def get_data_info(self, idx: int) -> dict:
        """Get an entry, keeping its own ``start_index``.

        :meth:`BaseActionDataset.get_data_info` would overwrite it with the
        dataset-wide one; frame folders here may start at 0 or 1.
        """
        data_info = BaseDataset.get_data_info(self, idx)
        data_info['modality'] = self.modality
        data_info.setdefault('start_index', self.start_index)
        return data_info
