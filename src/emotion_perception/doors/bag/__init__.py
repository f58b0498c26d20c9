"""rosbag2 doors: real footage into bags, bags through the pipeline, bags back onto DDS."""
