"""The ROS-free perception core: image -> pose -> tracking -> windows -> normalize -> model ->
smoothing, run by `pipeline.Pipeline`, and what those stages stand on (errors, landmarks, the
model contract, frame-size limits, checksums, data locations, stream statistics, drawing).

Nothing here imports ROS: a robot-free user (or a test without DDS) can use it alone.
"""
