"""Names of the two kinds of training sample KGA-Net mixes.

A data sample's ``source`` metainfo holds one of them; samples without it
are videos.
"""
VIDEO = 'video'
IMAGE = 'image'
SOURCES = (VIDEO, IMAGE)
