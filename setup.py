"""ament_python package: the ROS-free core, the ROS 2 node, the command line and the training side.

Data files are installed the ROS way (share/<package>/...) so a colcon install can find its
launch file, parameters, DDS profile and models through ament_index.
"""
from glob import glob

from setuptools import find_packages, setup

PACKAGE = "emotion_perception"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages("src"),
    package_dir={"": "src"},
    package_data={PACKAGE: ["models/*.pt", "models/*.sha256", "models/*.json", "models/*.md",
                            "training/mocap/*.json"]},
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/launch", glob("launch/*.launch.py")),
        (f"share/{PACKAGE}/config", glob("config/*.yaml") + glob("config/*.xml")),
        (f"share/{PACKAGE}/config/taxonomies", glob("config/taxonomies/*.yaml")),
        (f"share/{PACKAGE}/pose_models", glob("models/pose/*.task") + ["models/pose/SHA256SUMS"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="emotion_perception maintainers",
    maintainer_email="maintainers@emotion-perception.invalid",
    description="Body-motion emotion perception for ROS 2 (MediaPipe Pose + EmotiPoseformer).",
    license="Apache-2.0",
    extras_require={"test": ["pytest", "hypothesis"]},
    entry_points={
        "console_scripts": [
            "emotion-perception = emotion_perception.cli:main",
            "emotion_perception_node = emotion_perception.ros.node_main:main",
        ],
    },
)
