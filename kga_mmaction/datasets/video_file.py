"""Video files: which files are videos.

A file is a video when its extension is one of :data:`VIDEO_EXTENSIONS`, or
when it has no extension and OpenCV decodes a frame of it (exports and
downloads often drop the extension). A file with another extension is not
a video, whatever its content: an image or a text file is never diagnosed
as a one-frame video.
"""
import os.path as osp

import cv2

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
                    '.mpeg', '.wmv', '.flv')


def decodes_as_video(path: str) -> bool:
    """Whether OpenCV opens ``path`` as a video and decodes a frame.

    Args:
        path (str): Any file.

    Returns:
        bool: True if the first frame decodes.
    """
    capture = cv2.VideoCapture(path)
    try:
        return bool(capture.isOpened() and capture.grab())
    finally:
        capture.release()


def is_video_file(path: str) -> bool:
    """Whether a file is a video (see the module docstring).

    Args:
        path (str): An existing file.

    Returns:
        bool: True for a :data:`VIDEO_EXTENSIONS` file, or for a file
        without extension whose content decodes as a video.
    """
    ext = osp.splitext(path)[1].lower()
    if ext:
        return ext in VIDEO_EXTENSIONS
    return decodes_as_video(path)
