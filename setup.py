"""Install kga-mmaction next to MMAction2: ``pip install -e .``."""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(path: str) -> list:
    """Requirement lines of ``path``, without comments."""
    with open(osp.join(HERE, path)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def add_mim_extension() -> None:
    """Ship ``configs/`` and ``tools/`` inside the package (``.mim/``), as
    OpenMMLab packages do, so that ``mim`` finds them: links for an
    editable install, copies for a built distribution."""
    editable = any(cmd in sys.argv for cmd in ('develop', 'editable_wheel'))
    mim_dir = osp.join(HERE, 'kga_mmaction', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in ('configs', 'tools'):
        target = osp.join(mim_dir, name)
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        if editable:
            os.symlink(osp.join('..', '..', name), target)
        else:
            shutil.copytree(osp.join(HERE, name), target)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='kga_mmaction',
        version='0.1.0',
        description='KGA-Net (MICCAI 2023) for breast ultrasound video '
        'classification, as an MMAction2 1.x plugin',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        packages=find_packages(include=['kga_mmaction', 'kga_mmaction.*']),
        include_package_data=True,
        package_data={'kga_mmaction': ['.mim/configs/**/*.py',
                                       '.mim/tools/**/*',
                                       'visualization/review_report/*.css',
                                       'visualization/review_report/*.js']},
        python_requires='>=3.8',
        install_requires=read_requirements('requirements/runtime.txt'),
        extras_require={
            'mim': read_requirements('requirements/mminstall.txt'),
            'deploy': read_requirements('requirements/deploy.txt'),
            'tests': ['pytest', 'openmim']
        },
        license='Apache-2.0',
        zip_safe=False)
